package io.inceptionserve.web;

import io.inceptionserve.config.InceptionProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Notices clients that go away while their images wait for a forward pass (on {@code POST
 * /classify} and the Open Inference Protocol's infer), so that their work is
 * dropped instead of computed.
 *
 * <p>While a request waits asynchronously, Tomcat does not read its connection, so it learns of a
 * closed one only when the answer is written. Every {@code disconnect-check-interval} this probes
 * each waiting request's connection with a non-blocking read: a closed or reset connection reads
 * as an end of stream or an error, an open one as nothing. Bytes a client pipelines behind its
 * request also read as something, but they stay buffered, so a second probe reads nothing where
 * a closed connection reads its end again. Like nginx, a client that half-closes its side after
 * sending its request counts as gone.
 */
@Component
public class ClientDisconnects implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ClientDisconnects.class);
    private static final String CONNECTION = ClientDisconnects.class.getName() + ".connection";
    /** Longer than any request may take: answers time out by themselves before this. */
    private static final long ASYNC_TIMEOUT_MILLIS = 10 * 60_000;

    private final Set<Watch> waiting = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService prober;

    public ClientDisconnects(InceptionProperties properties) {
        long interval = properties.reliability().disconnectCheckInterval().toMillis();
        if (interval > 0) {
            prober = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "disconnect-check");
                thread.setDaemon(true);
                return thread;
            });
            prober.scheduleWithFixedDelay(this::probeAll, interval, interval, TimeUnit.MILLISECONDS);
        } else {
            prober = null;
        }
    }

    /** Hands each request's Tomcat connection to the controllers, which the servlet API hides. */
    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addEngineValves(new ValveBase(true) {
            @Override
            public void invoke(Request request, Response response)
                    throws IOException, jakarta.servlet.ServletException {
                request.setAttribute(CONNECTION, request.getCoyoteRequest());
                getNext().invoke(request, response);
            }
        });
    }

    /**
     * The request's answer, handed to the container once {@code answer} completes, the request's
     * thread being given back meanwhile. A client that goes away first cancels {@code answer} (the
     * images still queued are dropped) and the request ends with {@link ClientGoneException};
     * another failure ends it with the exception {@code answer} failed with.
     */
    public <T> DeferredResult<T> answerWhenDone(HttpServletRequest request, CompletableFuture<T> answer) {
        DeferredResult<T> result = new DeferredResult<>(ASYNC_TIMEOUT_MILLIS);
        Watch watch = watch(request, () -> answer.cancel(false));
        answer.whenComplete((value, failure) -> {
            watch.close();
            if (failure == null) {
                result.setResult(value);
            } else {
                result.setErrorResult(answer.isCancelled() ? new ClientGoneException() : unwrapped(failure));
            }
        });
        result.onError(failure -> answer.cancel(false));
        result.onTimeout(() -> answer.cancel(false));
        return result;
    }

    /** The exception itself, from under the wrappers a future's stages put around it. */
    private static Throwable unwrapped(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Watches {@code request}'s connection until the returned watch is closed, running {@code
     * onGone} once (on the probing thread) if the client goes away first. Close it before the
     * answer is handed to the container: after that the connection is Tomcat's again.
     */
    Watch watch(HttpServletRequest request, Runnable onGone) {
        Watch watch = new Watch((org.apache.coyote.Request) request.getAttribute(CONNECTION), onGone);
        if (prober != null && watch.connection != null) {
            waiting.add(watch);
        }
        return watch;
    }

    private void probeAll() {
        for (Watch watch : waiting) {
            try {
                watch.probe();
            } catch (RuntimeException e) {
                log.warn("Probing a waiting request's connection failed", e);
                waiting.remove(watch);
            }
        }
    }

    @Override
    public void destroy() {
        if (prober != null) {
            prober.shutdownNow();
        }
    }

    /** One waiting request. */
    private final class Watch implements AutoCloseable {

        private final org.apache.coyote.Request connection;
        private final Runnable onGone;
        private boolean done;

        private Watch(org.apache.coyote.Request connection, Runnable onGone) {
            this.connection = connection;
            this.onGone = onGone;
        }

        private synchronized void probe() {
            if (done) {
                return;
            }
            if (readsSomething() && readsSomething()) {
                done = true;
                waiting.remove(this);
                log.debug("Client of {} went away while its request waited", connection.requestURI());
                onGone.run();
            }
        }

        private boolean readsSomething() {
            connection.action(ActionCode.AVAILABLE, Boolean.TRUE);
            return connection.getAvailable() > 0;
        }

        /** Stops watching; waits for a probe in progress, so the connection is not read after this. */
        @Override
        public synchronized void close() {
            done = true;
            waiting.remove(this);
        }
    }
}
