package io.ssmsidecar.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Refusals answered in the Jetty layers in front of Javalin, with the same JSON body as {@link ErrorMapper}. */
final class JettyAnswers {
    private JettyAnswers() {
    }

    /**
     * Writes {@code error} as {@code {"__type","message"}} and completes {@code callback}.
     *
     * @param close whether to close the connection afterwards (a body was left unread)
     */
    static void error(Response response, Callback callback, ApiError error, boolean close) {
        response.setStatus(error.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Json.CONTENT_TYPE);
        if (close) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.write(true, ByteBuffer.wrap(Json.error(error.code(), error.getMessage())), callback);
    }
}
