package io.ssmsidecar.exec;

import io.ssmsidecar.source.FetchResult;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.source.SourceException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parameter source of our own interface for unit tests of exec's logic (the end-to-end tests use the real SDK
 * against the local SSM endpoint): named values, an error per name (failing its whole batch, as SSM does) or per
 * path ({@code /path/*}), and N transient failures of any call first.
 */
final class FakeSource implements ParameterSource {
    final Map<String, String> values = new TreeMap<>();
    final Map<String, SourceException> errors = new TreeMap<>();
    int transientFailuresLeft;
    int calls;
    boolean closed;

    FakeSource put(String name, String value) {
        values.put(name, value);
        return this;
    }

    static SourceException throttled() {
        return new SourceException("ThrottlingException", 400, true, "Rate exceeded", null);
    }

    static SourceException denied(String name) {
        return new SourceException("AccessDeniedException", 400, false, "not authorized to perform ssm:GetParameters on "
                + name, null);
    }

    @Override
    public synchronized FetchResult getParameters(List<String> names) throws SourceException {
        calls++;
        if (transientFailuresLeft > 0) {
            transientFailuresLeft--;
            throw throttled();
        }
        List<Parameter> found = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        for (String n : names) {
            if (errors.containsKey(n)) {
                throw errors.get(n);
            }
            if (values.containsKey(n)) {
                found.add(parameter(n, n));
            } else {
                invalid.add(n);
            }
        }
        return new FetchResult(found, invalid);
    }

    @Override
    public synchronized List<Parameter> getParametersByPath(String path) throws SourceException {
        calls++;
        if (transientFailuresLeft > 0) {
            transientFailuresLeft--;
            throw throttled();
        }
        if (errors.containsKey(path + "/*")) {
            throw errors.get(path + "/*");
        }
        List<Parameter> found = new ArrayList<>();
        values.keySet().stream().filter(n -> n.startsWith(path + "/")).forEach(n -> found.add(parameter(n, n)));
        return found;
    }

    private Parameter parameter(String requested, String name) {
        return new Parameter(requested, name, "SecureString", SecretValue.of(values.get(name)), 1, null, null,
                Instant.EPOCH, "arn:aws:ssm:us-east-1:123456789012:parameter" + (name.startsWith("/") ? "" : "/") + name,
                "text");
    }

    @Override
    public void close() {
        closed = true;
    }
}
