package io.ssmsidecar.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Finds the references declared by an environment: every variable whose value starts with {@code ssm://}. */
public final class References {
    private References() {
    }

    /**
     * Every reference declared in {@code env}, sorted by key.
     *
     * @throws ReferenceException listing every malformed reference (all of them, not just the first)
     */
    public static List<Reference> fromEnv(Map<String, String> env) throws ReferenceException {
        List<Reference> references = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (Reference.isReference(e.getValue())) {
                try {
                    references.add(ReferenceParser.parse(e.getKey(), e.getValue()));
                } catch (ReferenceException ex) {
                    problems.addAll(ex.problems());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ReferenceException(problems);
        }
        return List.copyOf(references);
    }
}
