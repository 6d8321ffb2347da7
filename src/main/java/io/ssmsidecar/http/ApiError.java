package io.ssmsidecar.http;

/**
 * A request the API refuses, with the HTTP status, an error code for the JSON body's {@code __type}
 * and a message for people. Messages name the bad input and what is allowed, never a value or token.
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    ApiError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, "ValidationException", message);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, "NotFound", message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
