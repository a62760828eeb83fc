#!/usr/bin/env bash
# Writes the image-input fixtures next to this script, and copies them into the fuzz test's seed
# corpus. The tests read the committed files; this script only documents how they were made and
# remakes them. Needs ImageMagick 6 (convert, identify), cwebp (Debian "webp"), exiftool (Debian
# "libimage-exiftool-perl") and a JDK:
#   apt-get install imagemagick webp libimage-exiftool-perl
#
# Most fixtures show one 64×48 picture, "quadrants": red top left, lime top right, blue bottom left,
# white bottom right. Its four colours are easy to check after decoding, and its asymmetry shows
# any rotation or mirroring; inverted CMYK would turn it cyan, magenta, yellow and black.
set -euo pipefail
cd "$(dirname "$0")"
seeds=../io/inceptionserve/image/ImagePreprocessorFuzzTestInputs/prepare
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# im ARGS… OUT: ImageMagick's convert, leaving out the PNG date chunks so that reruns give the same bytes
im() {
  convert "${@:1:$#-1}" -define png:exclude-chunks=date,time "${@: -1}"
}

# quadrants TOP_LEFT TOP_RIGHT BOTTOM_LEFT BOTTOM_RIGHT OUT: the 64×48 four-colour picture
quadrants() {
  im -size 32x24 "xc:$1" "xc:$2" +append \( -size 32x24 "xc:$3" "xc:$4" +append \) -append "${@:5}"
}

# check FILE TAG EXPECTED: fails unless exiftool reports the tag with that value
check() {
  local got
  got=$(exiftool -s3 "-$2" "$1")
  [ "$got" = "$3" ] || { echo "$1: $2 is '$got', expected '$3'" >&2; exit 1; }
}

quadrants red lime blue white PNG24:quadrants.png
check quadrants.png ColorType RGB

# JPEGs at quality 95 without chroma subsampling, so each quadrant keeps its colour to a few levels.
im quadrants.png -quality 95 -sampling-factor 1x1 quadrants-baseline.jpg
im quadrants.png -quality 95 -sampling-factor 1x1 -interlace JPEG quadrants-progressive.jpg
check quadrants-progressive.jpg EncodingProcess 'Progressive DCT, Huffman coding'
quadrants black 'gray(25%)' 'gray(75%)' white -colorspace Gray -quality 95 grey.jpg
check grey.jpg ColorComponents 1

# libjpeg stores CMYK as YCCK (Adobe APP14 transform 2) unless told otherwise.
im quadrants.png -colorspace CMYK -quality 95 -sampling-factor 1x1 quadrants-ycck.jpg
check quadrants-ycck.jpg ColorTransform YCCK
# Plain CMYK (Adobe transform 0) needs a writer that takes CMYK samples as they are: the JDK's, fed
# Adobe-convention (inverted) samples, then the APP14 segment saying so put after SOI.
cat > "$work/CmykJpeg.java" <<'JAVA'
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.File;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

public class CmykJpeg {
    public static void main(String[] args) throws Exception {
        BufferedImage rgb = ImageIO.read(new File(args[0]));
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, rgb.getWidth(), rgb.getHeight(), 4, null);
        for (int y = 0; y < rgb.getHeight(); y++) {
            for (int x = 0; x < rgb.getWidth(); x++) {
                int p = rgb.getRGB(x, y);
                int r = p >> 16 & 255, g = p >> 8 & 255, b = p & 255;
                int k = 255 - Math.max(r, Math.max(g, b));
                cmyk.setPixel(x, y, new int[] {r + k, g + k, b + k, 255 - k}); // 255 - C, 255 - M, 255 - Y, 255 - K
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.95f);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(new File(args[1]))) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(cmyk, null, null), param);
        }
    }
}
JAVA
java "$work/CmykJpeg.java" quadrants.png "$work/cmyk.jpg"
{ head -c 2 "$work/cmyk.jpg"; printf '\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x00'; tail -c +3 "$work/cmyk.jpg"; } > quadrants-cmyk.jpg
check quadrants-cmyk.jpg ColorTransform 'Unknown (RGB or CMYK)'
check quadrants-cmyk.jpg ColorComponents 4

# Stored turned or mirrored so that their EXIF orientation (2 to 8) brings them back upright.
stored=([2]=-flop [3]='-rotate 180' [4]=-flip [5]=-transpose [6]='-rotate -90' [7]=-transverse [8]='-rotate 90')
for o in 2 3 4 5 6 7 8; do
  # shellcheck disable=SC2086 # the operation is two words
  im quadrants.png ${stored[$o]} -quality 95 -sampling-factor 1x1 "quadrants-exif-$o.jpg"
  exiftool -q -overwrite_original "-Orientation#=$o" "quadrants-exif-$o.jpg"
  # ImageMagick, turning it by the tag, must see the upright picture: no pixel off by 10 % or more.
  [ "$(convert "quadrants-exif-$o.jpg" -auto-orient quadrants.png -metric AE -fuzz 10% -compare -format '%[distortion]' info:)" = 0 ] || exit 1
done

im quadrants.png PNG8:quadrants-palette.png
check quadrants-palette.png ColorType Palette
im quadrants.png -transparent blue PNG8:quadrants-palette-trns.png
check quadrants-palette-trns.png Transparency 0

# Two frames; the second is the negative, so a decoder showing it is caught.
im quadrants.png -negate "$work/negative.png"
im -delay 50 -loop 0 quadrants.png "$work/negative.png" quadrants-animated.gif
[ "$(identify quadrants-animated.gif | wc -l)" = 2 ] || exit 1

im quadrants.png BMP3:quadrants.bmp
im quadrants.png -compress LZW quadrants.tif

cwebp -quiet -q 90 quadrants.png -o quadrants-lossy.webp
cwebp -quiet -lossless quadrants.png -o quadrants-lossless.webp

# Alpha: red opaque, lime half transparent, blue fully transparent (its colour kept), white opaque.
quadrants red 'rgba(0,255,0,0.5)' 'rgba(0,0,255,0)' white PNG32:alpha.png
check alpha.png ColorType 'RGB with Alpha'
cwebp -quiet -lossless -exact alpha.png -o alpha.webp

# Grey levels 0, 25 %, 75 % and 100 % (16-bit: 0, 0x4000, 0xBFFF, 0xFFFF), and 16-bit RGB whose bottom
# right quadrant is 25 %, 50 %, 75 % grey-blue, so a decoder keeping the low byte is caught.
quadrants black 'gray(25%)' 'gray(75%)' white -colorspace Gray -define png:color-type=0 -depth 8 grey.png
check grey.png ColorType Grayscale
quadrants black 'gray(25%)' 'gray(75%)' white -colorspace Gray -define png:color-type=0 -depth 16 grey-16bit.png
check grey-16bit.png BitDepth 16
quadrants red lime blue 'rgb(25%,50%,75%)' -depth 16 PNG48:rgb-16bit.png
check rgb-16bit.png BitDepth 16

# Refused inputs.
size=$(stat -c %s quadrants-baseline.jpg)
head -c $((size - 40)) quadrants-baseline.jpg > truncated.jpg
size=$(stat -c %s quadrants.png)
head -c $((size / 2)) quadrants.png > truncated.png
# A valid PNG signature and IHDR (8 + 25 bytes), then text where the next chunk should be.
{ head -c 33 quadrants.png; printf 'not image data %.0s' {1..14}; } > corrupt.png
# A baseline JPEG's headers up to and including SOS, text for its entropy-coded data, then EOI.
sos=$(LC_ALL=C grep -obUaP '\xff\xda' quadrants-baseline.jpg | head -1 | cut -d: -f1)
sos_length=$(od -An -tu1 -j $((sos + 2)) -N2 quadrants-baseline.jpg | awk '{ print $1 * 256 + $2 }')
{ head -c $((sos + 2 + sos_length)) quadrants-baseline.jpg; printf 'not image data %.0s' {1..4}; printf '\xff\xd9'; } > corrupt.jpg
: > empty.jpg
printf 'this is not an image\n' > text.jpg
cat > drawing.svg <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="32" height="24" fill="red"/></svg>
SVG
# A one-page PDF (ImageMagick's policy on Debian forbids writing PDF), with its xref offsets.
{
  printf '%%PDF-1.4\n'
  printf '1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n'
  printf '2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n'
  printf '3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 64 48]>> endobj\n'
} > document.pdf
xref=$(stat -c %s document.pdf)
{
  printf 'xref\n0 4\n0000000000 65535 f \n'
  for n in 1 2 3; do printf '%010d 00000 n \n' "$(grep -bao "^$n 0 obj" document.pdf | cut -d: -f1)"; done
  printf 'trailer <</Size 4 /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n' "$xref"
} >> document.pdf
# The fuzz test's first finding, a 64-byte lossless WebP declaring 64×9,476 pixels that the decoder
# filled in past the end of its data for seconds, with its VP8L header (14 bits of width - 1, 14 of
# height - 1, LSB first, at byte 21) raised to 7000×7000: 49 megapixels, under the limit.
finding="$seeds/timeout-c3f4751b175881159b1b09c740c55cb8257c3a4e"
bits=$(od -An -tu4 --endian=little -j 21 -N4 "$finding")
bits=$(( (bits & ~0xfffffff) | 6999 | 6999 << 14 ))
header=$(printf '\\x%02x' $((bits & 255)) $((bits >> 8 & 255)) $((bits >> 16 & 255)) $((bits >> 24 & 255)))
{ head -c 21 "$finding"; printf '%b' "$header"; tail -c +26 "$finding"; } > overdeclared.webp
check overdeclared.webp ImageSize 7000x7000
# 8000×8000 = 64 megapixels of one colour compress to a few KB: over the 50-megapixel limit.
im -size 8000x8000 xc:black -define png:color-type=0 -define png:bit-depth=1 bomb.png
check bomb.png ImageSize 8000x8000

# The fuzz test's seeds: every fixture, good and bad. Git stores the copies' content once.
mkdir -p "$seeds"
cp quadrants* grey* rgb-16bit.png alpha.* truncated.* corrupt.* overdeclared.webp bomb.png text.jpg drawing.svg document.pdf \
   ankle-boot.png pullover.jpg "$seeds"/
