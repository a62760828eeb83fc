package io.inceptionserve.web;

import io.inceptionserve.config.InceptionProperties.Reliability;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Receives a request's whole body without holding a request thread, then hands the request to the
 * controllers with the body in memory.
 *
 * <p>With blocking reads, a client that sends its headers and a little of its body and then waits
 * holds a request thread until it times out, and a few hundred such clients hold them all. Here
 * the body arrives through non-blocking reads ({@link ReadListener}): a waiting client costs a
 * connection and the bytes it sent, not a thread. What waits is bounded: bodies in memory by
 * {@code inception.reliability.upload-buffer-budget} (beyond it a new upload is answered 503 at
 * once), and a body that sends nothing for {@code upload-stall-timeout} is answered 408. The
 * request's deadline is fixed here, on arrival, so that receiving the body counts against it.
 */
class BodyReadingFilter extends OncePerRequestFilter {

    private static final String BODY = BodyReadingFilter.class.getName() + ".body";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long WATCH_PERIOD_MILLIS = 100;
    private static final long CHUNKED_STEP_BYTES = 1 << 20;

    private final long maxBodyBytes;
    private final RequestArrival arrival;
    private final ErrorWriters errorWriters;
    private final long stallNanos;
    private final long budgetBytes;
    private final Semaphore budgetKiB;
    private final Set<Upload> receiving = ConcurrentHashMap.newKeySet();
    private final SecurityContextRepository authentications = new RequestAttributeSecurityContextRepository();
    private final ScheduledExecutorService watch;

    BodyReadingFilter(long maxBodyBytes, RequestArrival arrival, ErrorWriters errorWriters, Reliability reliability) {
        this.maxBodyBytes = maxBodyBytes;
        this.arrival = arrival;
        this.errorWriters = errorWriters;
        this.stallNanos = reliability.uploadStallTimeout().toNanos();
        this.budgetBytes = reliability.uploadBufferBudget().toBytes();
        this.budgetKiB = new Semaphore((int) Math.min(Integer.MAX_VALUE, budgetBytes >> 10));
        this.watch = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "upload-stall-watch");
            thread.setDaemon(true);
            return thread;
        });
        watch.scheduleWithFixedDelay(
                this::answerStalled, WATCH_PERIOD_MILLIS, WATCH_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The second pass, after the body arrived, runs the controllers. */
    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (isAsyncDispatch(request)) {
            runControllers(request, response, chain);
        } else {
            arrived(request, response, chain);
        }
    }

    /** The second pass: the controllers read the body received in the first. */
    private void runControllers(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!(request.getAttribute(BODY) instanceof Received received)) {
            chain.doFilter(request, response);
            return;
        }
        try {
            chain.doFilter(new ReceivedBodyRequest(request, received.bytes()), response);
        } finally {
            // A controller that answers later is dispatched again, with the body still there.
            if (!request.isAsyncStarted()) {
                request.removeAttribute(BODY);
                budgetKiB.release(received.reservedKiB());
            }
        }
    }

    /** The first pass: a request without a body goes on at once; a body is refused or starts arriving. */
    private void arrived(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        arrival.arrived(request);
        long declared = request.getContentLengthLong();
        if (declared <= 0 && request.getHeader(HttpHeaders.TRANSFER_ENCODING) == null) {
            chain.doFilter(request, response);
        } else if (declared > maxBodyBytes) {
            answer(
                    request,
                    response,
                    bodyTooLarge("the request body of " + declared + " bytes exceeds the limit of " + maxBodyBytes
                            + " bytes"));
        } else {
            receive(request, response, declared);
        }
    }

    /**
     * Reserves the body's room in the budget and reads it through non-blocking reads. A body of
     * unknown length (chunked, {@code declared} 0 or less) reserves as it grows, a step at a time.
     */
    private void receive(HttpServletRequest request, HttpServletResponse response, long declared) throws IOException {
        long limit = declared > 0 ? declared : maxBodyBytes;
        int reservedKiB = kibFor(declared > 0 ? declared : CHUNKED_STEP_BYTES);
        if (!budgetKiB.tryAcquire(reservedKiB)) {
            response.setHeader(HttpHeaders.RETRY_AFTER, "1");
            answer(request, response, uploadsBusy());
            return;
        }
        // The controllers run in a second, asynchronous dispatch through the security filters,
        // which find the caller's authentication here rather than authenticate again.
        authentications.saveContext(SecurityContextHolder.getContext(), request, response);
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Upload upload = new Upload(async, request.getInputStream(), limit, reservedKiB);
        receiving.add(upload);
        request.getInputStream().setReadListener(upload);
    }

    private static int kibFor(long bytes) {
        return (int) Math.max(1, (bytes + 1023) >> 10);
    }

    private static ProblemDetail bodyTooLarge(String detail) {
        return MultipartProblems.problem(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Body too large", detail);
    }

    private ProblemDetail uploadsBusy() {
        return MultipartProblems.problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "uploads-busy",
                "Too many uploads in progress",
                "the service is receiving as many request bodies as it holds at once (" + budgetBytes
                        + " bytes); retry shortly");
    }

    private void answerStalled() {
        long now = System.nanoTime();
        for (Upload upload : receiving) {
            upload.failIfStalled(now);
        }
    }

    /** Writes the refusal in the shape of the API the request is for: its own, or problem+json. */
    private void answer(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
            throws IOException {
        var writer = errorWriters.find(request);
        if (writer.isPresent()) {
            writer.get().write(request, response, problem);
            return;
        }
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(JSON.writeValueAsString(problem).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void destroy() {
        watch.shutdownNow();
    }

    /** A body received in full, waiting for the controllers. */
    private record Received(byte[] bytes, int reservedKiB) {}

    /** One body on its way in; callbacks come from container threads, the stall check from the watch. */
    private final class Upload implements ReadListener {

        private final AsyncContext async;
        private final ServletInputStream in;
        private final long limit;
        private int reservedKiB;
        private final ByteArrayOutputStream bytes;
        private final byte[] buffer = new byte[16 * 1024];
        private long lastProgressNanos = System.nanoTime();
        private boolean over;

        Upload(AsyncContext async, ServletInputStream in, long limit, int reservedKiB) {
            this.async = async;
            this.in = in;
            this.limit = limit;
            this.reservedKiB = reservedKiB;
            this.bytes = new ByteArrayOutputStream((int) Math.min(limit, 1 << 20));
        }

        @Override
        public void onDataAvailable() throws IOException {
            synchronized (this) {
                while (!over && in.isReady()) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        return;
                    }
                    lastProgressNanos = System.nanoTime();
                    if (bytes.size() + (long) n > limit) {
                        fail(bodyTooLarge("the request body exceeds the limit of " + limit + " bytes"));
                        return;
                    }
                    if (bytes.size() + (long) n > (long) reservedKiB << 10) {
                        int more = kibFor(Math.min(limit - ((long) reservedKiB << 10), CHUNKED_STEP_BYTES));
                        if (!budgetKiB.tryAcquire(more)) {
                            fail(uploadsBusy());
                            return;
                        }
                        reservedKiB += more;
                    }
                    bytes.write(buffer, 0, n);
                }
            }
        }

        @Override
        public void onAllDataRead() {
            synchronized (this) {
                if (over) {
                    return;
                }
                over = true;
            }
            receiving.remove(this);
            async.getRequest().setAttribute(BODY, new Received(bytes.toByteArray(), reservedKiB));
            async.dispatch();
        }

        @Override
        public void onError(Throwable error) {
            fail(MultipartProblems.unreadable(error));
        }

        void failIfStalled(long now) {
            boolean stalled;
            synchronized (this) {
                stalled = !over && now - lastProgressNanos > stallNanos;
            }
            if (stalled) {
                fail(MultipartProblems.unreadable(
                        new java.net.SocketTimeoutException("no byte for the stall timeout")));
            }
        }

        /** Answers the client, if it still listens, and frees what the upload held. */
        private void fail(ProblemDetail problem) {
            synchronized (this) {
                if (over) {
                    return;
                }
                over = true;
            }
            receiving.remove(this);
            budgetKiB.release(reservedKiB);
            try {
                HttpServletResponse response = (HttpServletResponse) async.getResponse();
                // The rest of the body is not read: the connection cannot carry another request.
                response.setHeader(HttpHeaders.CONNECTION, "close");
                answer((HttpServletRequest) async.getRequest(), response, problem);
            } catch (IOException | IllegalStateException e) {
                // The client is gone.
            } finally {
                async.complete();
            }
        }
    }
}
