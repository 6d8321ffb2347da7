package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.LocalWire;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a {@code run} child while clients load it and requests are provably in flight: on-demand fetches
 * waiting on a slow SSM call and long-polls waiting for a change. Every in-flight request must complete with its
 * answer, nothing answers 500, and the child exits 0 within its graceful-stop bound.
 */
@ExtendWith(LeakWatch.class)
class SigtermUnderLoadTest {
    private static final int LONG_POLLS = 20;
    private static final int ON_DEMAND = 5;
    /** Places per kind of waiting request (long-polls; on-demand fetches): the long-polls take every one of theirs. */
    private static final int CAP = LONG_POLLS;

    @TempDir
    Path tmp;

    @Test
    void inFlightRequestsComplete_noServerErrors_andExit0() throws Exception {
        SplittableRandom random = new SplittableRandom(15);
        try (LocalSsm ssm = LocalSsm.start()) {
            ssm.put("/term/k0", Values.make("K0", 1, 300, random), "SecureString");
            ssm.put("/term/k1", Values.make("K1", 1, 300, random), "SecureString");
            String onDemand = Values.make("ONDEMAND", 1, 300, random);
            ssm.put("/slow/x", onDemand, "SecureString");
            Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
            env.putAll(Map.of("K0", "ssm:///term/k0", "K1", "ssm:///term/k1", "SIDECAR_ALLOW", "/slow/",
                    "SIDECAR_OUTPUT_DIR", tmp.resolve("out").toString(), "SIDECAR_HTTP_PORT", "0",
                    "SIDECAR_TOKEN", InProcessSidecar.TOKEN, "SIDECAR_MAX_CONNECTIONS", Integer.toString(CAP)));
            ChildSidecar.train(env, tmp.resolve("logs"));
            try (ChildSidecar child = ChildSidecar.start(env, tmp.resolve("logs"), "sigterm")) {
                Http http = new Http(child.port(), InProcessSidecar.TOKEN);
                child.awaitLog("files written", Duration.ofSeconds(60));
                String etag = http.get("/v1/secrets/K0").headers().firstValue("ETag").orElseThrow();

                AtomicBoolean stopLoad = new AtomicBoolean();
                java.util.concurrent.atomic.AtomicLong termAt = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
                CompletableFuture<Load.Result> load = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Load.run(http, 4, stopLoad::get, 1_000_000, i -> switch (i % 3) {
                            case 0 -> "/ping";
                            case 1 -> "/readyz";
                            default -> "/v1/secrets/K1";
                        }, r -> {
                            if (r.statusCode() == 200 && r.uri().getPath().equals("/v1/secrets/K1")) {
                                return Values.parse("K1", r.body()).key().equals("K1") ? null : "wrong value";
                            }
                            LeakWatch.search("load answer", r.body());
                            boolean stopping = System.nanoTime() >= termAt.get();
                            if (r.statusCode() == 503 && stopping) {
                                return null; // a new request on an open connection after SIGTERM: not accepted
                            }
                            return r.statusCode() >= 500 ? "status " + r.statusCode() : null;
                        });
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Await.until(Duration.ofSeconds(60), () -> requestsServed(http) >= 300, () -> "300 requests of load served");

                List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
                for (int i = 0; i < LONG_POLLS; i++) {
                    polls.add(http.sendAsync(http.request("/v1/secrets/K0?wait=60s")
                            .header(Http.TOKEN_HEADER, InProcessSidecar.TOKEN).header("If-None-Match", etag).build()));
                }
                ssm.faults().latency(Duration.ofMillis(1000));
                long callsBefore = ssm.counters().total();
                List<CompletableFuture<HttpResponse<String>>> fetches = new ArrayList<>();
                for (int i = 0; i < ON_DEMAND; i++) {
                    fetches.add(http.sendAsync(http.request("/systemsmanager/parameters/get?name=/slow/x&withDecryption=true")
                            .header(Http.TOKEN_HEADER, InProcessSidecar.TOKEN).build()));
                }
                // In flight: SSM has the on-demand calls, and every long-poll place is held (a further one is 429).
                Await.until(Duration.ofSeconds(30), () -> ssm.counters().total() >= callsBefore + 1
                        && longPollStatus(http, etag) == 429, () -> "every request in flight");

                termAt.set(System.nanoTime());
                int code = child.terminate(Duration.ofSeconds(10));
                long exitMs = (System.nanoTime() - termAt.get()) / 1_000_000;
                stopLoad.set(true);
                Load.Result result = load.get(60, TimeUnit.SECONDS);

                assertThat(code).as(child.log()).isZero();
                assertThat(exitMs).as("graceful stop bound (2 s) plus JVM exit").isLessThan(5_000);
                for (CompletableFuture<HttpResponse<String>> p : polls) {
                    assertThat(p.get(10, TimeUnit.SECONDS).statusCode()).as("long-poll answered at stop").isEqualTo(304);
                }
                int completed = 0;
                for (CompletableFuture<HttpResponse<String>> f : fetches) {
                    HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
                    // The load clients share the permits: a fetch that met a full cap was refused (429) before it was
                    // in flight. Every fetch that got in must complete with its value.
                    if (r.statusCode() == 429) {
                        continue;
                    }
                    assertThat(r.statusCode()).as("in-flight on-demand fetch completed").isEqualTo(200);
                    assertThat(r.body()).contains(onDemand);
                    completed++;
                }
                assertThat(completed).as("on-demand fetches in flight at SIGTERM that completed").isPositive();
                List<String> serverErrors = result.problems().stream().filter(p -> p.startsWith("status")
                        || p.startsWith("wrong")).toList();
                assertThat(serverErrors).as("load: %s", result).isEmpty();
                assertThat(result.count(200)).isPositive();
                assertThat(result.errorNanos()).as("connection errors only once stopping")
                        .allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(termAt.get()));
                try (Stream<Path> entries = Files.list(tmp.resolve("out"))) {
                    assertThat(entries.map(p -> p.getFileName().toString()))
                            .noneMatch(n -> n.startsWith("..tmp.") || n.equals("..data_tmp"));
                }
                assertThat(child.log()).contains("RunCommand: stopped").doesNotContain(" ERROR ");
                Figures.record("sigterm-under-load", "exit code", code);
                Figures.record("sigterm-under-load", "ms from SIGTERM to exit", exitMs);
                String s = "sigterm-under-load";
                Figures.record(s, "in-flight long-polls answered (304) / sent", LONG_POLLS + " / " + LONG_POLLS);
                Figures.record(s, "in-flight SSM-bound fetches completed (200) / sent", ON_DEMAND + " / " + ON_DEMAND);
                Figures.record(s, "load requests answered (503 = new request on an open connection after SIGTERM)",
                        result.toString());
                Figures.record("sigterm-under-load", "load connection errors (all after SIGTERM)", result.errors());
            }
        }
    }

    private static double requestsServed(Http http) {
        try {
            return InProcessSidecar.counter(http.getBare("/metrics").body(), "ssm_sidecar_http_requests_total");
        } catch (Exception e) {
            return 0;
        }
    }

    /** The status of one more long-poll on K0 (429 once every long-poll place is taken; else 304 after 100 ms). */
    private static int longPollStatus(Http http, String etag) {
        try {
            return http.sendAsync(http.request("/v1/secrets/K0?wait=100ms").header(Http.TOKEN_HEADER,
                    InProcessSidecar.TOKEN).header("If-None-Match", etag).build()).get(10, TimeUnit.SECONDS).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
