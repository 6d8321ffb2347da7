package io.ssmsidecar.reliability;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Concurrent HTTP clients on loopback, each sending requests back to back (no think time), recording every latency,
 * status and problem. A response problem is what {@code check} returns for it (null when fine).
 */
final class Load {
    private Load() {
    }

    /** What a load phase saw. */
    record Result(long[] latencyNanos, Map<Integer, Integer> statuses, int errors, List<String> problems,
                  List<Long> errorNanos) {
        double p50() {
            return Http.percentileMs(latencyNanos, 50);
        }

        double p99() {
            return Http.percentileMs(latencyNanos, 99);
        }

        int requests() {
            return latencyNanos.length;
        }

        int count(int status) {
            return statuses.getOrDefault(status, 0);
        }

        @Override
        public String toString() {
            return String.format("%d requests, statuses %s, %d transport errors, %d bad answers, p50 %.2f ms, p99 %.2f ms",
                    requests(), statuses, errors, problems.size() - errors, p50(), p99());
        }
    }

    /** {@code clients} threads each sending {@code perClient} requests chosen by {@code path(i)}. */
    static Result run(Http http, int clients, int perClient, Function<Integer, String> path,
                      Function<HttpResponse<String>, String> check) throws Exception {
        return run(http, clients, () -> false, perClient, path, check);
    }

    /** Like {@link #run(Http, int, int, Function, Function)} but stops early when {@code stop} turns true. */
    static Result run(Http http, int clients, BooleanSupplier stop, int perClient, Function<Integer, String> path,
                      Function<HttpResponse<String>, String> check) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Integer> statuses = Collections.synchronizedMap(new TreeMap<>());
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        int[] errors = {0};
        List<Long> errorNanos = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stopped = new AtomicBoolean();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perClient && !stopped.get(); i++) {
                        if (stop.getAsBoolean()) {
                            stopped.set(true);
                            break;
                        }
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<String> r = http.get(path.apply(client + i * clients));
                            latencies.add(System.nanoTime() - t0);
                            statuses.merge(r.statusCode(), 1, Integer::sum);
                            String problem = check.apply(r);
                            if (problem != null) {
                                problems.add(problem);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        } catch (Exception e) {
                            synchronized (errors) {
                                errors[0]++;
                            }
                            errorNanos.add(System.nanoTime());
                            problems.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        long[] l = latencies.stream().mapToLong(Long::longValue).toArray();
        return new Result(l, Map.copyOf(statuses), errors[0], List.copyOf(problems), List.copyOf(errorNanos));
    }
}
