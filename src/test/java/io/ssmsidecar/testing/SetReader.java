package io.ssmsidecar.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reader racing the writer of an output directory: on its own thread it opens every top-level file and every key
 * of a JSON bundle, over and over, and records a problem for a missing or torn file, a bundle mixing generations, a
 * pass that saw more than one generation while {@code ..data} did not move, or a file going back in time. Every
 * value carries its generation as group 1 of {@code value}.
 */
public final class SetReader implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<String> names;
    private final String bundle;
    private final Pattern value;
    private final AtomicBoolean done = new AtomicBoolean();
    private final CountDownLatch firstPass = new CountDownLatch(1);
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final Set<Integer> generationsSeen = new ConcurrentSkipListSet<>();
    private final AtomicInteger passes = new AtomicInteger();
    private final AtomicInteger stablePasses = new AtomicInteger();
    private final Thread thread = new Thread(this::run, "set-reader");

    private SetReader(Path dir, List<String> names, String bundle, Pattern value) {
        this.dir = dir;
        this.names = List.copyOf(names);
        this.bundle = bundle;
        this.value = value;
    }

    /** Starts reading {@code names} and the JSON {@code bundle} (holding the same keys) in {@code dir}; returns after one pass. */
    public static SetReader start(Path dir, List<String> names, String bundle, Pattern value) throws InterruptedException {
        SetReader reader = new SetReader(dir, names, bundle, value);
        reader.thread.start();
        if (!reader.firstPass.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the reader made no pass in 30 s");
        }
        return reader;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Stops the reader and waits for it; then its figures are final. */
    public void stop() {
        done.set(true);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    public int passes() {
        return passes.get();
    }

    /** Passes during which {@code ..data} did not move. */
    public int stablePasses() {
        return stablePasses.get();
    }

    public Set<Integer> generationsSeen() {
        return new TreeSet<>(generationsSeen);
    }

    private int generation(String what, String content) {
        Matcher m = value.matcher(content);
        if (!m.matches()) {
            problems.add(what + ": torn or foreign content of " + content.length() + " chars");
            return -1;
        }
        return Integer.parseInt(m.group(1));
    }

    private void run() {
        Map<String, Integer> lastSeen = new HashMap<>();
        Path data = dir.resolve("..data");
        while (!done.get() && problems.size() < 20) {
            try {
                Path before = Files.readSymbolicLink(data);
                Map<String, Integer> seen = new LinkedHashMap<>();
                for (String name : names) {
                    seen.put(name, generation(name, Files.readString(dir.resolve(name))));
                }
                JsonNode json = JSON.readTree(dir.resolve(bundle).toFile());
                int bundleGeneration = -1;
                for (String name : names) {
                    int g = generation(bundle + ":" + name, json.get(name).textValue());
                    if (bundleGeneration >= 0 && g != bundleGeneration) {
                        problems.add(bundle + " mixes generations " + bundleGeneration + " and " + g);
                    }
                    bundleGeneration = g;
                }
                seen.put(bundle, bundleGeneration);
                Path after = Files.readSymbolicLink(data);
                if (before.equals(after)) {
                    stablePasses.incrementAndGet();
                    if (seen.values().stream().distinct().count() != 1) {
                        problems.add("..data stayed " + before + " but the reader saw " + seen);
                    }
                }
                for (Map.Entry<String, Integer> e : seen.entrySet()) {
                    Integer last = lastSeen.put(e.getKey(), e.getValue());
                    if (last != null && e.getValue() < last) {
                        problems.add(e.getKey() + " went back from generation " + last + " to " + e.getValue());
                    }
                }
                generationsSeen.addAll(seen.values());
            } catch (IOException | RuntimeException e) {
                problems.add(e.toString());
            }
            passes.incrementAndGet();
            firstPass.countDown();
            Thread.yield(); // two cores: leave the writer room to write
        }
    }
}
