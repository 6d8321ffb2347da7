package io.ssmsidecar.http;

import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The Jetty layer in front of Javalin that reads request bodies, so that no client can hold a request thread by
 * sending a body slowly or not at all:
 * <ul>
 *   <li>a declared {@code Content-Length} above {@value #MAX_BODY_BYTES} bytes is 413 at once, unread;</li>
 *   <li>a body is read only for a request whose head passed every check it allows (route, method, {@code Host},
 *       proxy headers, the SDK endpoint's caller check); any other request goes on without its body being read;</li>
 *   <li>reading is asynchronous (no thread waits for bytes) and bounded: the whole body within {@link #timeout},
 *       else 408 {@code RequestTimeout} and the connection is closed; a chunked body past the cap is 413;</li>
 *   <li>only then does the request reach Javalin, with the body in a request attribute ({@link #body(Context)}):
 *       handlers never read the request stream.</li>
 * </ul>
 */
final class BodyGate extends Handler.Wrapper {
    static final int MAX_BODY_BYTES = 16 * 1024;
    /** A few seconds for the whole body: an AWS SDK sends its (small) JSON body with the head. */
    static final Duration BODY_TIMEOUT = Duration.ofSeconds(5);
    private static final String BODY_ATTRIBUTE = "ssm-sidecar.body";
    private static final byte[] EMPTY = new byte[0];

    private final Predicate<Request> reads;
    private final Duration timeout;

    /**
     * @param reads   true for a request whose handler takes its body and whose head passed the checks that can be
     *                made without it
     * @param timeout the deadline for the whole body
     */
    BodyGate(Predicate<Request> reads, Duration timeout) {
        this.reads = reads;
        this.timeout = timeout;
    }

    /** The body the gate read for this request; empty when it read none. Never blocks. */
    static byte[] body(Context ctx) {
        return ctx.attribute(BODY_ATTRIBUTE) instanceof byte[] bytes ? bytes : EMPTY;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long length = request.getLength();
        boolean hasBody = length > 0 || length < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (!hasBody) {
            return super.handle(request, response, callback);
        }
        if (length > MAX_BODY_BYTES) {
            JettyAnswers.error(response, callback, tooLarge(), true);
            return true;
        }
        if (!reads.test(request)) {
            return super.handle(request, response, callback);
        }
        new Reader(request, response, callback).start();
        return true;
    }

    private static ApiError tooLarge() {
        return new ApiError(413, "RequestTooLarge", "the request body is larger than " + MAX_BODY_BYTES + " bytes");
    }

    /** Reads one request's body on demand callbacks; the first of body complete, failure or deadline settles it. */
    private final class Reader implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final AtomicBoolean settled = new AtomicBoolean();
        private volatile Scheduler.Task deadline;

        Reader(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        void start() {
            deadline = request.getComponents().getScheduler().schedule(this::expire, timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            run();
        }

        private void expire() {
            if (settle()) {
                JettyAnswers.error(response, callback, new ApiError(408, "RequestTimeout", "the request body did not "
                        + "arrive within " + timeout.toSeconds() + " s; send the whole body with the request"), true);
            }
        }

        private boolean settle() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            Scheduler.Task task = deadline;
            if (task != null) {
                task.cancel();
            }
            return true;
        }

        @Override
        public void run() {
            while (!settled.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    if (settle()) {
                        callback.failed(chunk.getFailure());
                    }
                    return;
                }
                boolean last = chunk.isLast();
                ByteBuffer bytes = chunk.getByteBuffer();
                boolean over = body.size() + bytes.remaining() > MAX_BODY_BYTES;
                if (!over) {
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    body.write(copy, 0, copy.length);
                }
                chunk.release();
                if (over) {
                    if (settle()) {
                        JettyAnswers.error(response, callback, tooLarge(), true);
                    }
                    return;
                }
                if (last) {
                    if (settle()) {
                        dispatch();
                    }
                    return;
                }
            }
        }

        private void dispatch() {
            request.setAttribute(BODY_ATTRIBUTE, body.toByteArray());
            try {
                if (!BodyGate.super.handle(request, response, callback)) {
                    Response.writeError(request, response, callback, 404);
                }
            } catch (Throwable t) {
                callback.failed(t);
            }
        }
    }
}
