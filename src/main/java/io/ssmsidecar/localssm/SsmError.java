package io.ssmsidecar.localssm;

/**
 * An error answer as SSM sends it: an error code ({@code __type}), an HTTP status and a message.
 * Thrown inside the endpoint and turned into a JSON error body in one place ({@link SsmEndpoint}).
 */
final class SsmError extends RuntimeException {
    private final String code;
    private final int status;

    SsmError(String code, int status, String message) {
        super(message, null, false, false);
        this.code = code;
        this.status = status;
    }

    /** An error with the HTTP status SSM uses for {@code code}: 500 for server errors, else 400. */
    static SsmError of(String code, String message) {
        return new SsmError(code, statusOf(code), message);
    }

    static SsmError validation(String message) {
        return new SsmError("ValidationException", 400, message);
    }

    static SsmError parameterNotFound(String name) {
        return new SsmError("ParameterNotFound", 400, "Parameter " + name + " not found.");
    }

    static int statusOf(String code) {
        return switch (code) {
            case "InternalServerError" -> 500;
            case "ServiceUnavailable" -> 503;
            default -> 400;
        };
    }

    String code() {
        return code;
    }

    int status() {
        return status;
    }
}
