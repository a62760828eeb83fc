package io.inceptionserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.api.RawHttp.Answer;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * An upload the budget refuses part-way is answered 503 all the same: its connection is not
 * closed while the client is still sending, which would reset it and could destroy the answer
 * before the client reads it.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "inception.reliability.upload-buffer-budget=1MB")
class UploadBudgetRefusalTest extends RunningServiceTest {

    /** Far more than the loopback connection buffers, so that the client is still sending when refused. */
    private static final int DECLARED_BYTES = 32 << 20;

    @Test
    void anUploadTheBudgetRefusesMidwayGetsA503() throws Exception {
        try (Socket holder = new Socket("localhost", port)) {
            // 300 KB of 32 MB: its buffer holds 512 KiB of the 1 MiB budget, and the grace keeps it.
            OutputStream held = holder.getOutputStream();
            held.write(head(DECLARED_BYTES));
            held.write(new byte[300 << 10]);
            held.flush();
            Thread.sleep(1_000);

            try (Socket sender = new Socket("localhost", port)) {
                sender.setSoTimeout(30_000);
                OutputStream out = sender.getOutputStream();
                out.write(head(DECLARED_BYTES));
                // Refused when its buffer would grow past 512 KiB, with 31.5 MB still to send.
                out.write(new byte[DECLARED_BYTES]);
                out.flush();
                Answer answer = RawHttp.read(sender.getInputStream());

                assertThat(answer.status()).as(answer.toString()).isEqualTo(503);
                assertThat(answer.body()).contains("receiving as many request bodies as it holds at once");
                assertThat(answer.header("Retry-After")).isEqualTo("1");
            }
        }
    }

    private static byte[] head(int contentLength) {
        return ("POST /classify HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: "
                        + contentLength + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
