package io.inceptionserve.web;

import io.inceptionserve.config.InceptionProperties.Reliability;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 * {@code inception.reliability.upload-buffer-budget}, counted as they arrive (when it is full a
 * new upload is answered 503 at once, one refused part-way once the rest has been read and
 * dropped); a body is judged by its rate, as Apache's {@code
 * mod_reqtimeout} does: after {@code upload-rate-grace} it must have arrived at {@code
 * upload-min-rate} on average, and all of it before the request's deadline, or it is answered
 * 408. A pause is forgiven as long as the bytes before it keep the average up; a trickle is not.
 * The request's deadline is fixed here, on arrival, so that receiving the body counts against it.
 */
class BodyReadingFilter extends OncePerRequestFilter {

    private static final String BODY = BodyReadingFilter.class.getName() + ".body";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long WATCH_PERIOD_MILLIS = 100;
    private static final int FIRST_BUFFER_BYTES = 64 * 1024;
    private static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private final long maxBodyBytes;
    private final RequestArrival arrival;
    private final ErrorWriters errorWriters;
    private final long graceNanos;
    private final long minBytesPerSecond;
    private final UploadBudget budget;
    private final Set<Upload> receiving = ConcurrentHashMap.newKeySet();
    private final SecurityContextRepository authentications = new RequestAttributeSecurityContextRepository();
    private final ScheduledExecutorService watch;

    BodyReadingFilter(long maxBodyBytes, RequestArrival arrival, ErrorWriters errorWriters, Reliability reliability) {
        this.maxBodyBytes = maxBodyBytes;
        this.arrival = arrival;
        this.errorWriters = errorWriters;
        this.graceNanos = reliability.uploadRateGrace().toNanos();
        this.minBytesPerSecond = reliability.uploadMinRate().toBytes();
        this.budget = new UploadBudget(reliability.uploadBufferBudget().toBytes());
        this.watch = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "upload-rate-watch");
            thread.setDaemon(true);
            return thread;
        });
        watch.scheduleWithFixedDelay(
                this::answerTooSlow, WATCH_PERIOD_MILLIS, WATCH_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
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
            chain.doFilter(new ReceivedBodyRequest(request, received.bytes(), received.length()), response);
        } finally {
            // A controller that answers later is dispatched again, with the body still there.
            if (!request.isAsyncStarted()) {
                request.removeAttribute(BODY);
                budget.giveBack(received.bytes().length);
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
     * Takes room for the body's first bytes and reads it through non-blocking reads; its buffer,
     * and the room it takes in the budget, grow as the bytes arrive.
     */
    private void receive(HttpServletRequest request, HttpServletResponse response, long declared) throws IOException {
        int limit = (int) Math.min(MAX_ARRAY_BYTES, declared > 0 ? declared : maxBodyBytes);
        int firstBytes = Math.min(limit, FIRST_BUFFER_BYTES);
        if (!budget.tryTake(firstBytes)) {
            response.setHeader(HttpHeaders.RETRY_AFTER, "1");
            answer(request, response, uploadsBusy());
            return;
        }
        // The controllers run in a second, asynchronous dispatch through the security filters,
        // which find the caller's authentication here rather than authenticate again.
        authentications.saveContext(SecurityContextHolder.getContext(), request, response);
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Upload upload = new Upload(
                async, request.getInputStream(), limit, new byte[firstBytes], arrival.deadlineNanos(request));
        receiving.add(upload);
        request.getInputStream().setReadListener(upload);
    }

    private static ProblemDetail bodyTooLarge(String detail) {
        return MultipartProblems.problem(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Body too large", detail);
    }

    private ProblemDetail uploadsBusy() {
        return MultipartProblems.problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "uploads-busy",
                "Too many uploads in progress",
                "the service is receiving as many request bodies as it holds at once (" + budget.totalBytes()
                        + " bytes); retry shortly");
    }

    private void answerTooSlow() {
        long now = System.nanoTime();
        for (Upload upload : receiving) {
            upload.failIfTooSlow(now);
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

    /** A body received in full, waiting for the controllers; {@code bytes} is what the budget counts. */
    private record Received(byte[] bytes, int length) {}

    /** One body on its way in; callbacks come from container threads, the rate check from the watch. */
    private final class Upload implements ReadListener {

        private final AsyncContext async;
        private final ServletInputStream in;
        private final int limit;
        private final long startNanos = System.nanoTime();
        private final long deadlineNanos;
        /** Its length is what the upload holds in the budget. */
        private byte[] body;

        private int size;
        private boolean over;
        /**
         * Set when the budget refuses the body mid-way: the rest is read into {@code dropped} and
         * dropped, then this is the answer.
         */
        private ProblemDetail refusal;

        private byte[] dropped;

        Upload(AsyncContext async, ServletInputStream in, int limit, byte[] firstBuffer, long deadlineNanos) {
            this.async = async;
            this.in = in;
            this.limit = limit;
            this.body = firstBuffer;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public void onDataAvailable() throws IOException {
            synchronized (this) {
                while (!over && in.isReady()) {
                    if (refusal == null && size == body.length && !grow()) {
                        return;
                    }
                    int n = refusal == null ? in.read(body, size, body.length - size) : in.read(dropped);
                    if (n < 0) {
                        return;
                    }
                    size += n;
                    if (refusal != null && size > limit) {
                        fail(refusal);
                    }
                }
            }
        }

        /** Doubles the buffer, up to the limit, if the budget has room for the growth. */
        private boolean grow() {
            if (body.length >= limit) {
                fail(bodyTooLarge("the request body exceeds the limit of " + limit + " bytes"));
                return false;
            }
            int capacity = (int) Math.min(limit, 2L * body.length);
            if (!budget.tryTake(capacity - body.length)) {
                // Answered once the rest has been read and dropped: closing a connection the client
                // is still sending on resets it, and the reset can destroy the answer unread.
                refusal = uploadsBusy();
                budget.giveBack(body.length);
                body = new byte[0];
                dropped = new byte[FIRST_BUFFER_BYTES];
                return true;
            }
            body = Arrays.copyOf(body, capacity);
            return true;
        }

        @Override
        public void onAllDataRead() {
            synchronized (this) {
                if (refusal != null) {
                    fail(refusal);
                    return;
                }
                if (over) {
                    return;
                }
                over = true;
            }
            receiving.remove(this);
            async.getRequest().setAttribute(BODY, new Received(body, size));
            async.dispatch();
        }

        @Override
        public void onError(Throwable error) {
            fail(MultipartProblems.unreadable(error));
        }

        /**
         * Answers 408 a body not whole by the request's deadline, or one whose average rate since
         * it began is below the minimum once the grace period is over (Apache's rule: each second
         * after the grace needs its share of bytes, and bytes sent early pay for a later pause).
         */
        void failIfTooSlow(long now) {
            long received;
            synchronized (this) {
                if (over) {
                    return;
                }
                received = size;
            }
            long elapsed = now - startNanos;
            if (now - deadlineNanos >= 0) {
                fail(MultipartProblems.tooSlow(String.format(
                        Locale.ROOT,
                        "%d bytes arrived in %.1f s, and the request's deadline has passed",
                        received,
                        elapsed / 1e9)));
            } else if (elapsed > graceNanos && received < minBytesPerSecond * ((elapsed - graceNanos) / 1e9)) {
                fail(MultipartProblems.tooSlow(String.format(
                        Locale.ROOT,
                        "%d bytes arrived in %.1f s, under the minimum of %d bytes a second after the first %.0f s",
                        received,
                        elapsed / 1e9,
                        minBytesPerSecond,
                        graceNanos / 1e9)));
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
            budget.giveBack(body.length);
            try {
                HttpServletResponse response = (HttpServletResponse) async.getResponse();
                // Closed whether or not the rest of the body was read: a client refused or cut
                // should not send its next request here at once.
                response.setHeader(HttpHeaders.CONNECTION, "close");
                if (problem == refusal) {
                    response.setHeader(HttpHeaders.RETRY_AFTER, "1");
                }
                answer((HttpServletRequest) async.getRequest(), response, problem);
            } catch (IOException | IllegalStateException e) {
                // The client is gone.
            } finally {
                async.complete();
            }
        }
    }
}
