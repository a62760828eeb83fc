package io.inceptionserve.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/**
 * A closed-loop load step: {@code concurrency} clients each send an image, wait for the answer and
 * send the next. A warm-up lasts until every client has had an answer (so the server's queue has
 * reached its steady depth; at most {@link #MAX_WARMUP}) and at least {@code minWarmup} has
 * passed; then only answers that
 * arrive within the measurement window count. Sending stops at the end of the window, and the
 * step returns once the last answer in flight is back, so the next step starts on an idle server.
 *
 * <p>The clients use Apache HttpClient's blocking API, one pooled connection each: the load
 * generator shares the machine's cores with the server it measures, and this costs it about half
 * the CPU per request of {@code java.net.http.HttpClient} (0.6–0.8 against 1.4–1.6 ms at 16
 * clients on a 2-core machine).
 */
final class ClosedLoopLoad {

    /** One request of the measurement window: latency, HTTP status (0 when it failed without one) and body. */
    record Sample(long latencyNanos, int status, String error, String body) {
        boolean ok() {
            return status == 200;
        }
    }

    /**
     * @param samples every answer that arrived within the window
     * @param windowNanos the window's length (shorter than asked when the request cap was reached)
     */
    record Outcome(List<Sample> samples, long windowNanos) {}

    private static final Duration MAX_WARMUP = Duration.ofSeconds(30);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);
    private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(10);

    private final Duration minWarmup;
    private final Duration window;
    private final int maxRequests;

    ClosedLoopLoad(Duration minWarmup, Duration window, int maxRequests) {
        this.minWarmup = minWarmup;
        this.window = window;
        this.maxRequests = maxRequests;
    }

    /** Posts the images (as raw JPEG bodies, in turn) to {@code uri} from {@code concurrency} clients. */
    Outcome run(URI uri, List<byte[]> images, int concurrency) throws InterruptedException, IOException {
        try (CloseableHttpClient client = client(concurrency)) {
            return run(new Step(client, uri, images, concurrency), concurrency);
        }
    }

    /** No retries, redirects, cookies or compression: each request is sent once, as it is. */
    private static CloseableHttpClient client(int concurrency) {
        ConnectionConfig connections = ConnectionConfig.custom()
                .setConnectTimeout(CONNECT_TIMEOUT)
                .setSocketTimeout(Timeout.of(REQUEST_TIMEOUT))
                .build();
        return HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(concurrency)
                        .setMaxConnPerRoute(concurrency)
                        .setDefaultConnectionConfig(connections)
                        .build())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableContentCompression()
                .build();
    }

    private Outcome run(Step step, int concurrency) throws InterruptedException {
        List<Thread> clients = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            Thread thread = new Thread(step::client, "load-" + i);
            thread.setDaemon(true);
            clients.add(thread);
            thread.start();
        }
        long started = System.nanoTime();
        step.everyClientAnswered.await(MAX_WARMUP.toNanos(), TimeUnit.NANOSECONDS);
        long warmedUp = Math.max(System.nanoTime(), started + minWarmup.toNanos());
        TimeUnit.NANOSECONDS.sleep(warmedUp - System.nanoTime());
        step.windowStart = System.nanoTime();
        step.windowEnd = step.windowStart + window.toNanos();
        TimeUnit.NANOSECONDS.sleep(window.toNanos());
        step.stopped = true;
        for (Thread thread : clients) {
            thread.join(REQUEST_TIMEOUT.toMillis() + 1_000);
        }
        long windowNanos = step.capReachedAt > 0 ? step.capReachedAt - step.windowStart : window.toNanos();
        return new Outcome(List.copyOf(step.samples), windowNanos);
    }

    /** The state the clients of one step share. */
    private final class Step {
        final CloseableHttpClient client;
        final URI uri;
        final List<byte[]> images;
        final CountDownLatch everyClientAnswered;
        final AtomicInteger nextImage = new AtomicInteger();
        final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        volatile long windowStart = Long.MAX_VALUE;
        volatile long windowEnd = Long.MAX_VALUE;
        volatile long capReachedAt;
        volatile boolean stopped;

        Step(CloseableHttpClient client, URI uri, List<byte[]> images, int concurrency) {
            this.client = client;
            this.uri = uri;
            this.images = images;
            this.everyClientAnswered = new CountDownLatch(concurrency);
        }

        void client() {
            boolean answered = false;
            while (!stopped) {
                byte[] image = images.get(Math.floorMod(nextImage.getAndIncrement(), images.size()));
                HttpPost request = new HttpPost(uri);
                request.setEntity(new ByteArrayEntity(image, ContentType.IMAGE_JPEG));
                long sent = System.nanoTime();
                Sample sample;
                try {
                    sample = client.execute(
                            request,
                            response -> new Sample(
                                    System.nanoTime() - sent,
                                    response.getCode(),
                                    null,
                                    EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    sample = new Sample(System.nanoTime() - sent, 0, e.toString(), null);
                }
                record(sent + sample.latencyNanos(), sample);
                if (!answered) {
                    answered = true;
                    everyClientAnswered.countDown();
                }
            }
        }

        private void record(long answeredAt, Sample sample) {
            if (answeredAt < windowStart || answeredAt > windowEnd) {
                return;
            }
            synchronized (samples) {
                if (samples.size() < maxRequests) {
                    samples.add(sample);
                    if (samples.size() == maxRequests) {
                        capReachedAt = answeredAt;
                        stopped = true;
                    }
                }
            }
        }
    }
}
