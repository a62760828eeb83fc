package io.inceptionserve.image;

import java.io.EOFException;
import java.io.UncheckedIOException;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An upload's bytes as an ImageIO stream that stops a decoder reading on past their end.
 *
 * <p>TwelveMonkeys' WebP decoder takes every read past the end as zeros, one EOFException at a
 * time, until the image the header declared is full: a 64-byte lossless WebP declaring 64×9,476
 * pixels took 2.3 s to decode, and one at the 50-megapixel limit would take minutes. Decoders read
 * a little past the end of valid files too, so the stream allows {@link #READS_PAST_END} such
 * reads, then throws.
 */
final class UploadImageInputStream extends ImageInputStreamImpl {

    static final int READS_PAST_END = 4096;

    private final byte[] bytes;
    private int readsPastEnd;

    UploadImageInputStream(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public int read() {
        bitOffset = 0;
        if (streamPos >= bytes.length) {
            return pastEnd();
        }
        return bytes[(int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buffer.length || offset + length < 0) {
            throw new IndexOutOfBoundsException(
                    "offset " + offset + ", length " + length + ", buffer " + buffer.length);
        }
        bitOffset = 0;
        if (length == 0) {
            return 0;
        }
        if (streamPos >= bytes.length) {
            return pastEnd();
        }
        int count = (int) Math.min(length, bytes.length - streamPos);
        System.arraycopy(bytes, (int) streamPos, buffer, offset, count);
        streamPos += count;
        return count;
    }

    @Override
    public long length() {
        return bytes.length;
    }

    private int pastEnd() {
        if (++readsPastEnd > READS_PAST_END) {
            throw new UncheckedIOException(
                    new EOFException("the decoder read past the end of the data " + READS_PAST_END + " times"));
        }
        return -1;
    }
}
