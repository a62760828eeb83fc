package io.inceptionserve.api;

import static io.inceptionserve.api.ServiceClient.image;
import static io.inceptionserve.api.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * What {@code POST /classify} answers for each kind of input, over real HTTP with the fixture files
 * of {@code src/test/resources/images}. {@link #ANSWERS} is the table of docs/reliability.md.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ImageInputApiTest extends RunningServiceTest {

    private static final String FORMATS = "(JPEG, PNG, GIF, WebP, BMP, TIFF)";
    private static final String NOT_AN_IMAGE = "the file is not in an image format this service reads " + FORMATS;
    private static final int MB = 1024 * 1024;

    /**
     * One kind of input and the service's answer.
     *
     * @param fixture the file under src/test/resources/images sent as a multipart upload, or null when
     *     the test builds the request
     * @param answer for a refusal the problem's exact {@code detail}; otherwise what was done to the image
     */
    record Answer(String input, String fixture, int status, String answer) {

        boolean refused() {
            return status != 200;
        }
    }

    static final Answer TOO_MANY_IMAGES = new Answer(
            "33 images in one request", null, 413, "the request has 33 images; at most 32 are accepted per request");
    static final Answer FILE_TOO_LARGE = new Answer(
            "a 16 MB + 1 byte file in a multipart request",
            null,
            413,
            "the file 'zeros0.jpg' exceeds the limit of 16777216 bytes per file");
    static final Answer REQUEST_TOO_LARGE = new Answer(
            "five 13 MB files in one multipart request",
            null,
            413,
            "the request body exceeds the limit of 67108864 bytes");
    static final Answer BODY_TOO_LARGE = new Answer(
            "a 16 MB + 1 byte raw body", null, 413, "the request body exceeds the limit of 16777216 bytes per image");

    static final List<Answer> ANSWERS = List.of(
            new Answer("PNG, 8-bit RGB", "quadrants.png", 200, "classified"),
            new Answer("PNG, 8-bit grey", "grey.png", 200, "grey values as stored"),
            new Answer("PNG, 16-bit grey", "grey-16bit.png", 200, "scaled to 8 bits"),
            new Answer("PNG, 16-bit RGB", "rgb-16bit.png", 200, "scaled to 8 bits"),
            new Answer("PNG, palette", "quadrants-palette.png", 200, "palette colours"),
            new Answer(
                    "PNG, palette with a transparent entry (tRNS)",
                    "quadrants-palette-trns.png",
                    200,
                    "the transparent entry's colour kept"),
            new Answer(
                    "PNG, RGBA (half and fully transparent areas)",
                    "alpha.png",
                    200,
                    "alpha dropped, the colour under it kept, as PIL's `convert(\"RGB\")`"),
            new Answer("JPEG, baseline", "quadrants-baseline.jpg", 200, "classified"),
            new Answer("JPEG, progressive", "quadrants-progressive.jpg", 200, "classified"),
            new Answer("JPEG, greyscale", "grey.jpg", 200, "grey values as stored"),
            new Answer(
                    "JPEG, CMYK (Adobe transform 0)",
                    "quadrants-cmyk.jpg",
                    200,
                    "converted to RGB (TwelveMonkeys; without an embedded ICC profile, its generic CMYK profile)"),
            new Answer("JPEG, YCCK (Adobe transform 2)", "quadrants-ycck.jpg", 200, "converted to RGB, likewise"),
            new Answer(
                    "JPEG, EXIF orientation 3 (stored upside down)",
                    "quadrants-exif-3.jpg",
                    200,
                    "turned upright before resizing"),
            new Answer(
                    "JPEG, EXIF orientation 6 (stored turned left)",
                    "quadrants-exif-6.jpg",
                    200,
                    "turned upright before resizing"),
            new Answer(
                    "JPEG, EXIF orientation 8 (stored turned right)",
                    "quadrants-exif-8.jpg",
                    200,
                    "turned upright before resizing"),
            new Answer(
                    "JPEG, EXIF orientation 2, 4, 5 or 7 (mirrored)",
                    "quadrants-exif-5.jpg",
                    200,
                    "mirrored back before resizing"),
            new Answer("GIF, animated", "quadrants-animated.gif", 200, "the first frame"),
            new Answer("WebP, lossy", "quadrants-lossy.webp", 200, "classified"),
            new Answer("WebP, lossless", "quadrants-lossless.webp", 200, "classified"),
            new Answer("WebP, lossless with alpha", "alpha.webp", 200, "alpha dropped, the colour under it kept"),
            new Answer("BMP, 24-bit", "quadrants.bmp", 200, "classified"),
            new Answer("TIFF, LZW", "quadrants.tif", 200, "classified"),
            new Answer(
                    "JPEG, truncated",
                    "truncated.jpg",
                    422,
                    "'truncated.jpg': the JPEG image is truncated or corrupt: Truncated File - Missing EOI marker"),
            new Answer(
                    "JPEG, complete but with garbage for its image data",
                    "corrupt.jpg",
                    422,
                    "'corrupt.jpg': the JPEG image is truncated or corrupt: Corrupt JPEG data: bad Huffman code"),
            new Answer(
                    "PNG, truncated",
                    "truncated.png",
                    422,
                    "'truncated.png': the PNG image cannot be decoded: "
                            + "the file ends before the image data it announces (truncated or corrupt)"),
            new Answer(
                    "PNG, garbage after the header",
                    "corrupt.png",
                    422,
                    "'corrupt.png': the PNG image cannot be "
                            + "decoded: the file ends before the image data it announces (truncated or corrupt)"),
            new Answer(
                    "WebP declaring 7000×7000 pixels over 64 bytes",
                    "overdeclared.webp",
                    422,
                    "'overdeclared.webp': the WEBP image cannot be decoded: the file ends before the image data it "
                            + "announces (truncated or corrupt)"),
            new Answer(
                    "PNG of 8000×8000 (a few KB: a decompression bomb)",
                    "bomb.png",
                    413,
                    "'bomb.png': the PNG image is 8000×8000 = 64000000 pixels; at most 50000000 are decoded"),
            new Answer("an empty file", "empty.jpg", 400, "'empty.jpg' is empty"),
            new Answer("a text file named .jpg", "text.jpg", 415, "'text.jpg': " + NOT_AN_IMAGE),
            new Answer("SVG", "drawing.svg", 415, "'drawing.svg': " + NOT_AN_IMAGE),
            new Answer("PDF", "document.pdf", 415, "'document.pdf': " + NOT_AN_IMAGE),
            TOO_MANY_IMAGES,
            FILE_TOO_LARGE,
            REQUEST_TOO_LARGE,
            BODY_TOO_LARGE);

    static Stream<Answer> fixtureAnswers() {
        return ANSWERS.stream().filter(answer -> answer.fixture() != null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtureAnswers")
    void fixtureGetsItsAnswerAndTheServiceGoesOn(Answer expected) throws Exception {
        ResponseEntity<String> response = client.classify("", List.of(image(expected.fixture())));

        assertAnswer(response, expected);
        assertStillServes();
    }

    @Test
    void tooManyImagesAreRefused() throws Exception {
        List<Path> images = Collections.nCopies(33, image("quadrants.png"));

        assertAnswer(client.classify("", images), TOO_MANY_IMAGES);
        assertStillServes();
    }

    @Test
    void fileOverTheLimitIsRefused() throws Exception {
        assertAnswer(uploadZeros(1, 16 * MB + 1), FILE_TOO_LARGE);
        assertStillServes();
    }

    /** Refused from its Content-Length, before a byte of it is read. */
    @Test
    void requestOverTheLimitIsRefused() throws Exception {
        assertAnswer(uploadZeros(5, 13 * MB), REQUEST_TOO_LARGE);
        assertStillServes();
    }

    /**
     * Uploads files of zeros as curl uploads large bodies, with {@code Expect: 100-continue}.
     * RestClient is not used: it drops that header, and its streamed multipart body made the JDK
     * client lose the 413 to the connection Tomcat closes after refusing an upload (curl and a plain
     * JDK request get it).
     */
    private HttpResponse<String> uploadZeros(int files, int bytesEach) throws Exception {
        String boundary = "image-input-test";
        List<byte[]> body = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            body.add(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"zeros" + i
                            + ".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            body.add(new byte[bytesEach]);
            body.add("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        body.add(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/classify"))
                .expectContinue(true)
                .header(HttpHeaders.CONTENT_TYPE, "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArrays(body))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rawBodyOverTheLimitIsRefused() {
        ResponseEntity<String> response = client.classifyBody("", new byte[16 * MB + 1], MediaType.IMAGE_JPEG);

        assertAnswer(response, BODY_TOO_LARGE);
        assertStillServes();
    }

    /**
     * A client that sends a large body without waiting for {@code 100 Continue} still gets the 413,
     * not a connection reset: the service refuses it from its Content-Length and Tomcat drops the
     * rest of the body (up to {@code server.tomcat.max-swallow-size}).
     */
    @Test
    void rawBodyFarOverTheLimitGetsItsAnswerNotAReset() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/classify"))
                .header(HttpHeaders.CONTENT_TYPE, MediaType.IMAGE_JPEG_VALUE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[48 * MB]))
                .build();

        assertAnswer(HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()), BODY_TOO_LARGE);
        assertStillServes();
    }

    @Test
    void docsShowThisTable() throws Exception {
        String docs = Files.readString(Path.of("docs/reliability.md"));

        assertThat(docs)
                .as("docs/reliability.md's table; this test's markdown():%n%s", markdown())
                .contains(markdown());
    }

    /** The answers as the markdown table of docs/reliability.md. */
    static String markdown() {
        return ANSWERS.stream()
                .map(a -> "| " + a.input() + " | " + (a.fixture() == null ? "" : "`" + a.fixture() + "`") + " | "
                        + a.status() + " | " + (a.refused() ? "`" + a.answer() + "`" : a.answer()) + " |")
                .collect(Collectors.joining(
                        "\n", "| input | fixture | status | detail, or what is done |\n|---|---|---|---|\n", "\n"));
    }

    private static void assertAnswer(HttpResponse<String> response, Answer expected) {
        String type = response.headers().firstValue(HttpHeaders.CONTENT_TYPE).orElseThrow();
        assertAnswer(
                ResponseEntity.status(response.statusCode())
                        .contentType(MediaType.parseMediaType(type))
                        .body(response.body()),
                expected);
    }

    private static void assertAnswer(ResponseEntity<String> response, Answer expected) {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(expected.status());
        JsonNode body = json(response);
        if (expected.refused()) {
            assertThat(response.getHeaders().getContentType()).hasToString("application/problem+json");
            assertThat(body.get("status").asInt()).isEqualTo(expected.status());
            assertThat(body.get("detail").asString()).isEqualTo(expected.answer());
            assertThat(response.getBody())
                    .as("no stack trace")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        } else {
            assertThat(body.get("images").get(0).get("filename").asString()).isEqualTo(expected.fixture());
        }
    }

    private void assertStillServes() {
        try {
            assertThat(client.classify("", List.of(image("quadrants.png")))
                            .getStatusCode()
                            .value())
                    .isEqualTo(200);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
