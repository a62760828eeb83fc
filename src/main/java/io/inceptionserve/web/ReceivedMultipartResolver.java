package io.inceptionserve.web;

import io.inceptionserve.config.InceptionProperties.Reliability;
import jakarta.servlet.http.HttpServletRequest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.tomcat.util.http.fileupload.FileItemIterator;
import org.apache.tomcat.util.http.fileupload.FileItemStream;
import org.apache.tomcat.util.http.fileupload.FileUpload;
import org.apache.tomcat.util.http.fileupload.UploadContext;
import org.apache.tomcat.util.http.fileupload.impl.FileSizeLimitExceededException;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.multipart.MultipartResolver;
import org.springframework.web.multipart.support.DefaultMultipartHttpServletRequest;

/**
 * Splits a multipart body that {@link BodyReadingFilter} has already received into its parts,
 * with the container's multipart parser, so that its errors keep their exact types (too many parts,
 * a part too large, a part header too long, a malformed body) for {@link MultipartProblems}.
 */
class ReceivedMultipartResolver implements MultipartResolver {

    private final long maxFileBytes;
    private final long maxRequestBytes;
    private final Reliability limits;

    ReceivedMultipartResolver(long maxFileBytes, long maxRequestBytes, Reliability limits) {
        this.maxFileBytes = maxFileBytes;
        this.maxRequestBytes = maxRequestBytes;
        this.limits = limits;
    }

    @Override
    public boolean isMultipart(HttpServletRequest request) {
        String type = request.getContentType();
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/");
    }

    @Override
    public MultipartHttpServletRequest resolveMultipart(HttpServletRequest request) {
        FileUpload upload = new FileUpload();
        upload.setSizeMax(maxRequestBytes);
        upload.setFileSizeMax(maxFileBytes);
        upload.setPartHeaderSizeMax((int) limits.maxPartHeaderSize().toBytes());
        MultiValueMap<String, MultipartFile> files = new LinkedMultiValueMap<>();
        Map<String, String[]> fields = new LinkedHashMap<>();
        int parts = 0;
        try {
            FileItemIterator items = upload.getItemIterator(contextOf(request));
            while (items.hasNext()) {
                FileItemStream item = items.next();
                parts++;
                if (parts > limits.maxParts()) {
                    // Counted to the end, so that the answer names the number sent.
                    continue;
                }
                byte[] bytes;
                try (InputStream in = item.openStream()) {
                    bytes = in.readAllBytes();
                } catch (IOException e) {
                    nameTheFile(e, item.getName());
                    throw e;
                }
                if (item.isFormField()) {
                    fields.merge(
                            item.getFieldName(),
                            new String[] {new String(bytes, java.nio.charset.StandardCharsets.UTF_8)},
                            (a, b) -> java.util.stream.Stream.concat(
                                            java.util.Arrays.stream(a), java.util.Arrays.stream(b))
                                    .toArray(String[]::new));
                } else {
                    files.add(
                            item.getFieldName(),
                            new ReceivedFile(item.getFieldName(), item.getName(), item.getContentType(), bytes));
                }
            }
        } catch (IOException e) {
            throw new MultipartException("the multipart body cannot be read", e);
        }
        if (parts > limits.maxParts()) {
            throw new TooManyPartsException(parts, limits.maxParts());
        }
        return new DefaultMultipartHttpServletRequest(request, files, fields, Map.of());
    }

    /** The parser does not say which file was too large. */
    private static void nameTheFile(Throwable e, String fileName) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof FileSizeLimitExceededException tooLarge) {
                tooLarge.setFileName(fileName);
            }
        }
    }

    @Override
    public void cleanupMultipart(MultipartHttpServletRequest request) {
        // Everything is in memory and goes with the request.
    }

    private static UploadContext contextOf(HttpServletRequest request) {
        return new UploadContext() {
            @Override
            public long contentLength() {
                return request.getContentLengthLong();
            }

            @Override
            public String getCharacterEncoding() {
                return request.getCharacterEncoding();
            }

            @Override
            public String getContentType() {
                return request.getContentType();
            }

            @Override
            public InputStream getInputStream() throws IOException {
                return request.getInputStream();
            }
        };
    }

    /** More parts than the service takes; the body was read to count them all. */
    static final class TooManyPartsException extends MultipartException {

        TooManyPartsException(int parts, int limit) {
            super("the multipart body has " + parts + " parts; at most " + limit + " are accepted");
        }
    }

    /** One uploaded file, in memory. */
    private record ReceivedFile(String name, String originalFilename, String contentType, byte[] bytes)
            implements MultipartFile {

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getOriginalFilename() {
            return originalFilename;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public boolean isEmpty() {
            return bytes.length == 0;
        }

        @Override
        public long getSize() {
            return bytes.length;
        }

        @Override
        public byte[] getBytes() {
            return bytes;
        }

        @Override
        public InputStream getInputStream() {
            return new java.io.ByteArrayInputStream(bytes);
        }

        @Override
        public void transferTo(File destination) throws IOException {
            Files.write(destination.toPath(), bytes);
        }
    }
}
