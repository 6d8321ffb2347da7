package io.ssmsidecar.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssmsidecar.json.Jackson;
import io.ssmsidecar.reference.Reference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns an ECS task definition whose containers use native {@code secrets} into the same task with the sidecar
 * (pure: JSON in, JSON and notes out), in one of two {@link Mode}s. {@code bundle}: each container's {@code secrets}
 * move to the sidecar's {@code environment} as {@code ssm://} references ({@link ValueFrom}); the sidecar container,
 * a shared volume, the mounts and {@code dependsOn HEALTHY} are added; each app container sources the sidecar's env
 * bundle in its entry point ({@link EnvBundleWrapper}). {@code supervise}: the references move to each container's
 * own {@code environment} and its entry point runs the supervising {@code exec} ({@link SupervisingExecWrapper}),
 * which restarts the app with the new value after a rotation; nothing else is added. What cannot be carried exactly
 * stops the migration, naming the entry; what may not work as before is a note.
 */
public final class TaskMigration {
    /** The sidecar container's name, and the name of the volume it shares with the app containers. */
    public static final String SIDECAR = "ssm-sidecar";
    static final String VOLUME = "ssm-sidecar-secrets";
    static final String DIRECTORY = "/run/secrets";

    /** What {@code describe-task-definition} answers beside the task and {@code register-task-definition} refuses. */
    static final List<String> READ_ONLY = List.of("taskDefinitionArn", "revision", "status", "requiresAttributes",
            "compatibilities", "registeredAt", "registeredBy", "deregisteredAt");

    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Variables the sidecar reads itself: a reference in one of them would configure the sidecar, not the app. */
    private static final List<String> SIDECAR_OWN = List.of("AWS_", "SIDECAR_", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
            "_JAVA_OPTIONS");
    private static final Pattern TASK_ARN = Pattern.compile("arn:[a-z-]+:ecs:([a-z0-9-]+):([0-9]{12}):task-definition/.*");
    /** What the sidecar's own container reserves, as in ecs-task-sidecar.json. */
    static final int SIDECAR_MEMORY_RESERVATION = 160;

    /**
     * How the app containers get their values: {@code BUNDLE} sources the sidecar container's env bundle once at
     * start (a rotation reaches the app at its next start); {@code SUPERVISE} runs the app under the supervising
     * {@code exec}, which restarts it when a value changes, with no sidecar container.
     */
    public enum Mode { BUNDLE, SUPERVISE }

    /**
     * @param image          the sidecar's image URI
     * @param region         the task's region; empty to take it from a {@code describe-task-definition} answer's ARN
     * @param account        the task's account, likewise
     * @param fallbackRegion the region when neither says (the caller's {@code AWS_REGION})
     * @param mode           how the app containers get their values
     */
    public record Options(String image, Optional<String> region, Optional<String> account,
                          Optional<String> fallbackRegion, Mode mode) {
        /** The {@code bundle} mode. */
        public Options(String image, Optional<String> region, Optional<String> account,
                       Optional<String> fallbackRegion) {
            this(image, region, account, fallbackRegion, Mode.BUNDLE);
        }
    }

    /**
     * The migrated task and what the user must know about it.
     *
     * @param task                 the {@code register-task-definition} input
     * @param references           the sidecar's references, in the order of their variables (for {@code policy})
     * @param region               the task's region, when known
     * @param account              the task's account, when known
     * @param executionRoleSsm     what the execution role no longer needs {@code ssm:GetParameters} on
     * @param executionRoleSecrets what it no longer needs {@code secretsmanager:GetSecretValue} on
     * @param executionRoleArn     the task's execution role, when it names one
     * @param notes                what may not work as before, and what to do (one line each)
     */
    public record Result(ObjectNode task, List<Reference> references, Optional<String> region,
                         Optional<String> account, List<String> executionRoleSsm, List<String> executionRoleSecrets,
                         Optional<String> executionRoleArn, List<String> notes) {
    }

    private TaskMigration() {
    }

    /**
     * Migrates {@code input}: a {@code register-task-definition} input or a {@code describe-task-definition} answer.
     *
     * @throws MigrationException listing every entry that cannot be carried over, and every other reason
     */
    public static Result migrate(JsonNode input, Options options) throws MigrationException {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (input == null || !input.isObject()) {
            throw new MigrationException(List.of("the task definition must be a JSON object"));
        }
        ObjectNode task;
        if (input.path("taskDefinition").isObject()) {
            task = ((ObjectNode) input.get("taskDefinition")).deepCopy();
            if (input.path("tags").isArray() && !input.get("tags").isEmpty()) {
                task.set("tags", input.get("tags").deepCopy());
            }
        } else {
            task = ((ObjectNode) input).deepCopy();
        }
        Optional<String> region = options.region();
        Optional<String> account = options.account();
        var arn = TASK_ARN.matcher(task.path("taskDefinitionArn").asText(""));
        if (arn.matches()) {
            region = region.or(() -> Optional.of(arn.group(1)));
            account = account.or(() -> Optional.of(arn.group(2)));
        }
        region = region.or(options::fallbackRegion);
        task.remove(READ_ONLY);
        if (!task.path("containerDefinitions").isArray() || task.get("containerDefinitions").isEmpty()) {
            throw new MigrationException(List.of("the task definition has no containerDefinitions"));
        }
        if (task.path("runtimePlatform").path("operatingSystemFamily").asText("LINUX").startsWith("WINDOWS")) {
            throw new MigrationException(List.of("the task runs on Windows; the sidecar's image is Linux only"));
        }
        ArrayNode containers = (ArrayNode) task.get("containerDefinitions");
        boolean supervise = options.mode() == Mode.SUPERVISE;
        for (JsonNode c : containers) {
            if (c.path("name").asText().equals(SIDECAR) && !supervise) {
                problems.add("the task already has a container named " + SIDECAR + " (was it migrated already?)");
            }
        }
        for (JsonNode v : task.path("volumes")) {
            if (v.path("name").asText().equals(VOLUME) && !supervise) {
                problems.add("the task already has a volume named " + VOLUME + " (was it migrated already?)");
            }
        }

        // Which containers move, and the sidecar's variables: one env bundle serves them all, so a variable name
        // must mean one reference across the task.
        Map<String, ObjectNode> moving = new LinkedHashMap<>();
        Map<String, Reference> variables = new LinkedHashMap<>();
        // Supervise: each container's own references, which go to its own environment (no bundle is shared).
        Map<String, Map<String, Reference>> ownReferences = new LinkedHashMap<>();
        Map<String, String> declaredBy = new LinkedHashMap<>();
        Set<String> ssmResources = new LinkedHashSet<>();
        Set<String> secretResources = new LinkedHashSet<>();
        for (JsonNode node : containers) {
            ObjectNode c = (ObjectNode) node;
            String container = c.path("name").asText();
            if (!c.path("secrets").isArray() || c.get("secrets").isEmpty()) {
                continue;
            }
            Optional<String> kept = whyKept(c, supervise);
            if (kept.isPresent()) {
                notes.add("container '" + container + "' keeps its " + c.get("secrets").size() + " ECS secrets as they "
                        + "are (resolved once at start by the execution role): " + kept.get());
                continue;
            }
            moving.put(container, c);
            int index = 0;
            for (JsonNode entry : c.get("secrets")) {
                String name = entry.path("name").asText();
                String valueFrom = entry.path("valueFrom").asText();
                String where = "container '" + container + "', secrets[" + index++ + "] " + name + " (valueFrom "
                        + valueFrom + ")";
                Optional<String> nameProblem = variableProblem(name);
                if (nameProblem.isPresent()) {
                    problems.add(where + ": " + nameProblem.get());
                    continue;
                }
                ValueFrom.Converted converted;
                try {
                    converted = ValueFrom.convert(name, valueFrom, region, account);
                } catch (ValueFrom.Unsupported e) {
                    problems.add(where + ": " + e.getMessage());
                    continue;
                }
                (converted.secretsManager() ? secretResources : ssmResources).add(converted.executionResource());
                ownReferences.computeIfAbsent(container, k -> new TreeMap<>()).put(name, converted.reference());
                if (supervise) {
                    continue;
                }
                Reference previous = variables.get(name);
                if (previous == null) {
                    variables.put(name, converted.reference());
                    declaredBy.put(name, container);
                } else if (!previous.raw().equals(converted.reference().raw())) {
                    problems.add(where + ": container '" + declaredBy.get(name) + "' names another secret "
                            + previous.raw() + " by the same variable; one env bundle serves every container, so "
                            + "rename the variable in one of them");
                }
            }
        }
        if (moving.isEmpty() && problems.isEmpty()) {
            problems.add(notes.isEmpty() ? "no container has ECS secrets: nothing to migrate"
                    : "no container's ECS secrets can be moved: " + String.join("; ", notes));
        }
        for (Map.Entry<String, ObjectNode> e : moving.entrySet()) {
            if (supervise) {
                checkOwnEnvironment(e.getKey(), e.getValue(), problems);
            } else {
                checkMovingContainer(e.getKey(), e.getValue(), variables.keySet(), declaredBy, problems);
            }
        }
        if (!problems.isEmpty()) {
            throw new MigrationException(problems);
        }
        if (supervise) {
            for (Map.Entry<String, ObjectNode> e : moving.entrySet()) {
                supervise(e.getKey(), e.getValue(), ownReferences.get(e.getKey()), options.image(), notes);
            }
            executionRoleNotes(task, notes);
            imageNote(options.image(), notes);
            // The policy covers every container's references, once each (two containers may share one).
            Map<String, Reference> distinct = new TreeMap<>();
            ownReferences.values().forEach(refs -> refs.forEach((name, r) -> distinct.putIfAbsent(r.raw(), r)));
            return new Result(task, List.copyOf(distinct.values()), region, account, List.copyOf(ssmResources),
                    List.copyOf(secretResources), Optional.ofNullable(task.path("executionRoleArn").textValue()),
                    List.copyOf(notes));
        }

        for (Map.Entry<String, ObjectNode> e : moving.entrySet()) {
            Set<String> own = new TreeSet<>();
            e.getValue().get("secrets").forEach(s -> own.add(s.path("name").asText()));
            Set<String> others = new TreeSet<>(variables.keySet());
            others.removeAll(own);
            wrap(e.getKey(), e.getValue(), others, notes);
        }
        containers.insert(0, sidecar(options.image(), variables, moving.values().iterator().next()));
        ArrayNode volumes = task.path("volumes").isArray() ? (ArrayNode) task.get("volumes") : task.putArray("volumes");
        volumes.addObject().put("name", VOLUME);
        memoryNote(task, notes);
        executionRoleNotes(task, notes);
        imageNote(options.image(), notes);
        List<Reference> references = new TreeSet<>(variables.keySet()).stream().map(variables::get).toList();
        return new Result(task, references, region, account, List.copyOf(ssmResources),
                List.copyOf(secretResources), Optional.ofNullable(task.path("executionRoleArn").textValue()),
                List.copyOf(notes));
    }

    private static void imageNote(String image, List<String> notes) {
        if (image.equals(SIDECAR)) {
            notes.add("the sidecar's image is '" + SIDECAR + "': give --image with its URI in your registry "
                    + "(e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/ssm-sidecar:0.1.0)");
        }
    }

    /** Why a container with secrets cannot get them from the bundle (or the supervisor), or empty when it can. */
    private static Optional<String> whyKept(ObjectNode c, boolean supervise) {
        if (isEmpty(c.get("entryPoint")) && isEmpty(c.get("command"))) {
            return Optional.of("it sets neither entryPoint nor command, so what it runs is the image's own "
                    + "ENTRYPOINT and CMD, which the task definition does not show and migrate cannot wrap. Copy them "
                    + "in (docker image inspect IMAGE --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}') "
                    + "and run migrate again");
        }
        String image = c.path("image").asText().toLowerCase(Locale.ROOT);
        if (supervise && (image.contains("distroless/static") || image.equals("scratch"))) {
            return Optional.of("its image '" + c.path("image").asText() + "' looks like one without a C library,"
                    + " which the supervisor's JRE needs (glibc); use a glibc base (distroless/base, debian) or the"
                    + " bundle mode");
        }
        if (!supervise && (image.contains("distroless") || image.equals("scratch"))) {
            return Optional.of("its image '" + c.path("image").asText() + "' looks like one without a shell, which "
                    + "cannot source the env bundle; have the app read /run/secrets/NAME or the HTTP API instead, or "
                    + "use the supervising exec once it is available (docs/deployment.md)");
        }
        return Optional.empty();
    }

    private static Optional<String> variableProblem(String name) {
        if (!VARIABLE.matcher(name).matches()) {
            return Optional.of("the env bundle exports shell variables, and '" + name + "' is not a variable name "
                    + "([A-Za-z_][A-Za-z0-9_]*)");
        }
        for (String own : SIDECAR_OWN) {
            if (own.endsWith("_") ? name.startsWith(own) : name.equals(own)) {
                return Optional.of("the sidecar reads " + (own.endsWith("_") ? own + "* variables" : own)
                        + " from its own environment, so it cannot declare a reference under that name");
            }
        }
        return Optional.empty();
    }

    private static void checkMovingContainer(String container, ObjectNode c, Set<String> variables,
                                             Map<String, String> declaredBy, List<String> problems) {
        Set<String> own = new TreeSet<>();
        c.get("secrets").forEach(s -> own.add(s.path("name").asText()));
        for (JsonNode env : c.path("environment")) {
            String name = env.path("name").asText();
            if (variables.contains(name) && !own.contains(name)) {
                problems.add("container '" + container + "' sets " + name + " in its environment, and container '"
                        + declaredBy.get(name) + "' has a secret of that name: one env bundle serves both, so "
                        + container + " would lose its own value; rename one of them");
            }
        }
        for (JsonNode m : c.path("mountPoints")) {
            if (m.path("containerPath").asText().equals(DIRECTORY)) {
                problems.add("container '" + container + "' already mounts something at " + DIRECTORY
                        + ", where the sidecar's files go");
            }
        }
    }

    /** A variable set both in the environment and as a secret would be set twice once the secret is a reference. */
    private static void checkOwnEnvironment(String container, ObjectNode c, List<String> problems) {
        Set<String> own = new TreeSet<>();
        c.get("secrets").forEach(s -> own.add(s.path("name").asText()));
        for (JsonNode env : c.path("environment")) {
            String name = env.path("name").asText();
            if (own.contains(name)) {
                problems.add("container '" + container + "' sets " + name + " both in its environment and as a "
                        + "secret; the reference takes the environment's place, so remove one of them");
            }
        }
    }

    /**
     * {@code --mode supervise}: the container's secrets become references in its own environment, and its entry
     * point runs the supervisor in front of what it ran.
     */
    private static void supervise(String container, ObjectNode c, Map<String, Reference> references, String image,
                                  List<String> notes) {
        wrapEntryPoint(container, c, "the supervisor", SupervisingExecWrapper.entryPoint(entryPoint(c)), notes);
        ArrayNode env = c.path("environment").isArray() ? (ArrayNode) c.get("environment") : c.putArray("environment");
        references.forEach((name, r) -> env.addObject().put("name", name).put("value", r.raw()));
        notes.add("container '" + container + "' now starts " + SupervisingExecWrapper.JAVA + ": its image must hold "
                + "the supervisor (docs/exec.md, 'In an ECS task'). In its Dockerfile: "
                + SupervisingExecWrapper.dockerfile(image) + ". The task role now reads the secrets from this "
                + "container. The supervisor passes values in the locale's charset: unless the image sets a UTF-8 "
                + "LANG, add LANG=C.UTF-8 to the environment when a secret has non-ASCII characters (else exec "
                + "refuses to start the app, exit 2)");
        String lower = c.path("image").asText().toLowerCase(Locale.ROOT);
        if (lower.contains("alpine") || lower.contains("busybox") || lower.contains("musl")) {
            notes.add("container '" + container + "' runs image '" + c.path("image").asText() + "', which looks "
                    + "musl-based: the supervisor's JRE needs glibc, so build the app on a glibc base (debian, ubuntu, "
                    + "distroless/base) or keep the bundle mode");
        }
        if (c.has("memory")) {
            notes.add("container '" + container + "' has a hard memory limit of " + c.get("memory").asInt()
                    + " MiB: the supervisor's JVM runs in it too (about 70 MiB idle, docs/exec.md), so raise it by "
                    + "that much");
        }
        Integer stop = c.has("stopTimeout") ? c.get("stopTimeout").asInt() : null;
        if (stop != null && stop <= 10) {
            notes.add("container '" + container + "' has stopTimeout " + stop + ": the supervisor forwards SIGTERM "
                    + "and waits for the app, so give it the app's own shutdown time and more");
        }
    }

    private static List<String> entryPoint(ObjectNode c) {
        return strings(c.get("entryPoint"));
    }

    /**
     * Sets {@code wrapped} (what now runs first, then the old entry point) as the entry point and drops the ECS
     * secrets; a container with only a {@code command} gets a note: {@code what} replaces the image's ENTRYPOINT.
     */
    private static void wrapEntryPoint(String container, ObjectNode c, String what, List<String> wrapped,
                                       List<String> notes) {
        if (entryPoint(c).isEmpty()) {
            notes.add("container '" + container + "' sets a command but no entryPoint: " + what + " becomes its "
                    + "entryPoint and so replaces the image's ENTRYPOINT, if it has one (docker image inspect IMAGE "
                    + "--format '{{json .Config.Entrypoint}}'). If it has, put it in the input's entryPoint and run "
                    + "migrate again");
        }
        ArrayNode array = Jackson.mapper().createArrayNode();
        wrapped.forEach(array::add);
        c.set("entryPoint", array);
        c.remove("secrets");
    }

    private static void wrap(String container, ObjectNode c, Set<String> others, List<String> notes) {
        wrapEntryPoint(container, c, "the wrapper", EnvBundleWrapper.entryPoint(DIRECTORY, others, entryPoint(c)),
                notes);
        ArrayNode mounts = c.path("mountPoints").isArray() ? (ArrayNode) c.get("mountPoints") : c.putArray("mountPoints");
        mounts.addObject().put("sourceVolume", VOLUME).put("containerPath", DIRECTORY).put("readOnly", true);
        ArrayNode dependsOn = c.path("dependsOn").isArray() ? (ArrayNode) c.get("dependsOn") : c.putArray("dependsOn");
        dependsOn.addObject().put("containerName", SIDECAR).put("condition", "HEALTHY");
        String user = c.path("user").asText("");
        if (!(user.equals("root") || user.equals("0") || user.startsWith("0:") || user.startsWith("root:")
                || user.endsWith(":10001"))) {
            notes.add("container '" + container + "' must be able to read " + DIRECTORY + "/" + EnvBundleWrapper.BUNDLE
                    + ": the sidecar writes it 0440 as 10001:10001 in a 0750 volume, so run the container as root "
                    + "or in group 10001 (\"user\": \"UID:10001\"), or set the sidecar's SIDECAR_FILE_GID to the "
                    + "container's group" + (user.isEmpty() ? " (it runs as its image's user)" : " (it runs as " + user + ")"));
        }
        if (c.path("environmentFiles").isArray() && !c.get("environmentFiles").isEmpty()) {
            notes.add("container '" + container + "' has environmentFiles: a variable they set that the bundle also "
                    + "sets takes the bundle's value, or is unset when it belongs to another container");
        }
    }

    private static ObjectNode sidecar(String image, Map<String, Reference> variables, ObjectNode firstApp) {
        ObjectNode s = Jackson.mapper().createObjectNode();
        s.put("name", SIDECAR).put("image", image).put("essential", true);
        s.putArray("command").add("run");
        ArrayNode env = s.putArray("environment");
        new TreeSet<>(variables.keySet()).forEach(name ->
                env.addObject().put("name", name).put("value", variables.get(name).raw()));
        env.addObject().put("name", "SIDECAR_BUNDLES").put("value", EnvBundleWrapper.bundlesSetting());
        s.putArray("mountPoints").addObject().put("sourceVolume", VOLUME).put("containerPath", DIRECTORY)
                .put("readOnly", false);
        s.put("readonlyRootFilesystem", true);
        ObjectNode health = s.putObject("healthCheck");
        ArrayNode command = health.putArray("command");
        List.of("CMD", "java", "@/app/jvm.options", "-jar", "/app/ssm-sidecar.jar", "healthcheck").forEach(command::add);
        health.put("interval", 5).put("timeout", 5).put("retries", 3).put("startPeriod", 10);
        s.put("memoryReservation", SIDECAR_MEMORY_RESERVATION).put("stopTimeout", 10);
        JsonNode logs = firstApp.get("logConfiguration");
        if (logs != null && logs.path("logDriver").asText().equals("awslogs") && logs.path("secretOptions").isEmpty()) {
            ObjectNode copy = ((ObjectNode) logs).deepCopy();
            ObjectNode opts = copy.path("options").isObject() ? (ObjectNode) copy.get("options") : copy.putObject("options");
            opts.put("awslogs-stream-prefix", SIDECAR);
            s.set("logConfiguration", copy);
        }
        return s;
    }

    private static void memoryNote(ObjectNode task, List<String> notes) {
        String memory = task.path("memory").asText("");
        if (!memory.matches("[0-9]+")) {
            return;
        }
        int reserved = 0;
        for (JsonNode c : task.get("containerDefinitions")) {
            reserved += c.has("memory") ? c.get("memory").asInt() : c.path("memoryReservation").asInt();
        }
        if (reserved > Integer.parseInt(memory)) {
            notes.add("the containers now reserve " + reserved + " MiB (the sidecar " + SIDECAR_MEMORY_RESERVATION
                    + ") and the task has " + memory + ": raise the task's memory or lower a reservation");
        }
    }

    private static void executionRoleNotes(ObjectNode task, List<String> notes) {
        for (JsonNode c : task.get("containerDefinitions")) {
            if (c.path("logConfiguration").path("secretOptions").isArray()
                    && !c.path("logConfiguration").path("secretOptions").isEmpty()) {
                notes.add("container '" + c.path("name").asText() + "' has logConfiguration.secretOptions: the log "
                        + "driver's secrets stay with ECS, and the execution role still needs them");
            }
            if (c.path("repositoryCredentials").isObject()) {
                notes.add("container '" + c.path("name").asText() + "' pulls with repositoryCredentials: the execution "
                        + "role still needs secretsmanager:GetSecretValue on that secret");
            }
        }
    }

    private static boolean isEmpty(JsonNode array) {
        return array == null || !array.isArray() || array.isEmpty();
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(v -> list.add(v.asText()));
        }
        return list;
    }
}
