package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.cli.Main;
import io.ssmsidecar.localssm.LocalSsm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, "probes and declared reads cannot be starved": every hostile client behaviour at once against one sidecar
 * with the SDK endpoint on ({@code trust-loopback}, so {@code POST /} bodies are read) and {@code SIDECAR_ALLOW} set
 * (so misses go to SSM): stalled bodies ({@code POST /}, {@code Content-Length: 10000}, 8 bytes sent; reconnecting
 * when cut), slowloris header senders (one header byte per 500 ms, never done), and asyncio clients sending distinct
 * undeclared names back to back (a Python process; Retry-After ignored). Meanwhile {@code /healthz}, {@code /readyz},
 * {@code /metrics}, a declared read and the {@code healthcheck} command run in a loop.
 *
 * <p>Asserted in every run: no probe, declared read or healthcheck fails; their p99 stays within the suite's ratio
 * bound of the quiet p99 measured first ({@code max(10 x quiet, quiet + 250 ms)}), during the attack and right after
 * it stops; every stalled body is cut with 408. The long run ({@code -Dreliability.long=true}: 20 stalled, 200
 * slowloris, 1,000 clients for 30 s; CI: 20, 100, 200 for 10 s) also records whether the absolute targets
 * held (p99 within 100 ms, none over 1 s); they are not asserted, since the machine's own stalls exceed them.
 */
@ExtendWith(LeakWatch.class)
class HostileClientsTest {
    private static final String SCENARIO = "hostile-clients";
    private static final boolean LONG = Figures.longRun();
    private static final Duration ATTACK = Duration.ofSeconds(LONG ? 30 : 10);
    private static final int STALLED = 20;
    private static final int SLOWLORIS = LONG ? 200 : 100;
    private static final int MISS_CLIENTS = LONG ? 1000 : 200;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path tmp;
    private LocalSsm ssm;
    private InProcessSidecar sidecar;
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        closeAll();
        if (sidecar != null) {
            sidecar.close();
        }
        if (ssm != null) {
            ssm.close();
        }
    }

    /** Latencies and failures of the probes, declared reads and healthcheck runs of one phase. */
    private static final class Watch {
        final List<Long> probes = Collections.synchronizedList(new ArrayList<>());
        final List<Long> declared = Collections.synchronizedList(new ArrayList<>());
        final List<Long> healthchecks = Collections.synchronizedList(new ArrayList<>());
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());

        String figures(List<Long> nanos) {
            long[] n = nanos.stream().mapToLong(Long::longValue).toArray();
            return String.format("%d, p50 %.1f / p99 %.1f / max %.1f ms", n.length, Http.percentileMs(n, 50),
                    Http.percentileMs(n, 99), Http.percentileMs(n, 100));
        }
    }

    @Test
    void probesAndDeclaredReads_areNotStarved_byStalledBodiesSlowlorisAndAFloodOfMisses() throws Exception {
        ssm = LocalSsm.start(LocalSsm.Options.defaults().withThreads(16));
        String declared = LeakWatch.secret("declared");
        ssm.put("/hostile/db", declared, "SecureString");
        sidecar = InProcessSidecar.start(ssm, tmp.resolve("out"), Map.of("DB", "ssm:///hostile/db"),
                "--allow", "/hostile/miss/", "--sdk-endpoint", "trust-loopback");
        sidecar.awaitReady();
        int port = sidecar.http.port();

        Watch quiet = new Watch();
        watch(quiet, declared, () -> quiet.probes.size() >= 400, true);

        AtomicBoolean attacking = new AtomicBoolean(true);
        long end = System.nanoTime() + ATTACK.toNanos();
        AtomicInteger cut408 = new AtomicInteger();
        ExecutorService stallers = Executors.newFixedThreadPool(STALLED);
        for (int i = 0; i < STALLED; i++) {
            stallers.submit(() -> stallBodies(port, attacking, cut408));
        }
        startSlowloris(port);
        CompletableFuture<String> flood = startMissFlood(port, end);
        Watch during = new Watch();
        CompletableFuture<Void> slowlorisTicks = CompletableFuture.runAsync(() -> tickSlowloris(attacking));
        watch(during, declared, () -> System.nanoTime() > end, true);

        attacking.set(false);
        String floodStats = flood.get(2, TimeUnit.MINUTES);
        int slowlorisOpen = (int) sockets.stream().filter(s -> !s.isClosed()).count();
        closeAll();
        stallers.shutdownNow();
        stallers.awaitTermination(30, TimeUnit.SECONDS);
        slowlorisTicks.get(30, TimeUnit.SECONDS);
        Watch after = new Watch();
        watch(after, declared, () -> after.probes.size() >= 60, false);

        Figures.record(SCENARIO, "attack", String.format("%d stalled bodies + %d slowloris + %d miss clients for %d s%s",
                STALLED, SLOWLORIS, MISS_CLIENTS, ATTACK.toSeconds(), LONG ? " (long run)" : " (CI scale)"));
        Figures.record(SCENARIO, "miss flood (python asyncio)", floodStats);
        Figures.record(SCENARIO, "stalled bodies cut with 408", cut408.get());
        Figures.record(SCENARIO, "slowloris connections still open at the end", slowlorisOpen);
        for (Object[] phase : new Object[][] {{"quiet", quiet}, {"during", during}, {"after", after}}) {
            Watch w = (Watch) phase[1];
            Figures.record(SCENARIO, phase[0] + ": probes (/healthz, /readyz, /metrics)", w.figures(w.probes));
            Figures.record(SCENARIO, phase[0] + ": declared reads (/v1/secrets/DB)", w.figures(w.declared));
            if (!w.healthchecks.isEmpty()) {
                Figures.record(SCENARIO, phase[0] + ": healthcheck runs", w.figures(w.healthchecks));
            }
            Figures.record(SCENARIO, phase[0] + ": failures", w.failures.size());
        }

        for (Object[] kind : new Object[][] {{"probes", during.probes}, {"declared reads", during.declared}}) {
            @SuppressWarnings("unchecked")
            List<Long> nanos = (List<Long>) kind[1];
            // The absolute targets, recorded rather than asserted: on 2 cores shared with other builds the
            // quiet phase alone has seen stalls over 1 s, so only ratios to it are asserted (see RELIABILITY.md).
            Figures.record(SCENARIO, "during: " + kind[0] + " within the targets (p99 <= 100 ms, max <= 1 s)",
                    p99(nanos) <= 100 && max(nanos) <= 1000);
        }

        assertThat(floodStats).as("the flood ran").contains("\"statuses\"");
        assertThat(during.failures).as("probe, declared-read and healthcheck failures under attack").isEmpty();
        assertThat(after.failures).isEmpty();
        assertThat(during.healthchecks).as("healthcheck runs").hasSizeGreaterThan(3);
        assertThat(cut408.get()).as("stalled bodies cut at the body deadline").isGreaterThanOrEqualTo(STALLED);
        List<List<List<Long>>> kinds = List.of(List.of(quiet.probes, during.probes, after.probes),
                List.of(quiet.declared, during.declared, after.declared));
        for (List<List<Long>> kind : kinds) {
            double base = p99(kind.get(0));
            double bound = Math.max(10 * base, base + 250);
            assertThat(p99(kind.get(1))).as("p99 under attack vs quiet %.2f ms", base).isLessThanOrEqualTo(bound);
            assertThat(p99(kind.get(2))).as("p99 right after vs quiet %.2f ms", base).isLessThanOrEqualTo(bound);
        }
    }

    private static double p99(List<Long> nanos) {
        return Http.percentileMs(nanos.stream().mapToLong(Long::longValue).toArray(), 99);
    }

    private static double max(List<Long> nanos) {
        return Http.percentileMs(nanos.stream().mapToLong(Long::longValue).toArray(), 100);
    }

    /**
     * Probes and declared reads back to back on one keep-alive client until {@code done}; the {@code healthcheck}
     * command in a loop beside them when {@code healthcheck}.
     */
    private void watch(Watch w, String declared, java.util.function.BooleanSupplier done, boolean healthcheck)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> healthchecks = !healthcheck ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(() -> {
                    Map<String, String> env = Map.of("SIDECAR_HTTP_PORT", Integer.toString(sidecar.http.port()));
                    while (!stop.get()) {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
                        long t0 = System.nanoTime();
                        int code = Main.run(new String[] {"healthcheck"}, env, print, print);
                        w.healthchecks.add(System.nanoTime() - t0);
                        if (code != 0) {
                            w.failures.add("healthcheck exited " + code + ": " + out.toString(StandardCharsets.UTF_8).strip());
                        }
                    }
                });
        Http prober = new Http(sidecar.http.port(), InProcessSidecar.TOKEN);
        try {
            while (!done.getAsBoolean()) {
                for (String probe : List.of("/healthz", "/readyz", "/metrics")) {
                    get(prober, probe, false, null, w.probes, w.failures);
                }
                get(prober, "/v1/secrets/DB", true, declared, w.declared, w.failures);
            }
        } finally {
            stop.set(true);
            healthchecks.get(1, TimeUnit.MINUTES);
        }
    }

    private static void get(Http http, String path, boolean token, String expected, List<Long> nanos,
                            List<String> failures) {
        HttpRequest.Builder request = http.request(path).timeout(PROBE_TIMEOUT).GET();
        if (token) {
            request.header(Http.TOKEN_HEADER, InProcessSidecar.TOKEN);
        }
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(request.build());
            if (r.statusCode() != 200 || expected != null && !r.body().equals(expected)) {
                failures.add(path + " answered " + r.statusCode());
            }
        } catch (Exception e) {
            failures.add(path + ": " + e.getClass().getSimpleName());
        } finally {
            nanos.add(System.nanoTime() - t0);
        }
    }

    /** One stalled {@code POST /} after another on this thread: 8 of 10,000 bytes, then wait for the answer. */
    private void stallBodies(int port, AtomicBoolean attacking, AtomicInteger cut408) {
        String head = "POST / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Amz-Target: AmazonSSM.GetParameter\r\n"
                + "Content-Type: application/x-amz-json-1.1\r\nContent-Length: 10000\r\n\r\n{\"Name\":";
        while (attacking.get()) {
            try (Socket s = new Socket()) {
                sockets.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(120_000);
                s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                Http.Raw r = Http.read(s.getInputStream());
                if (r.status() == 408) {
                    cut408.incrementAndGet();
                }
            } catch (IOException e) {
                return; // closed by the test at the end of the attack
            }
        }
    }

    private final List<OutputStream> slowloris = Collections.synchronizedList(new ArrayList<>());

    private void startSlowloris(int port) throws IOException {
        for (int i = 0; i < SLOWLORIS; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            sockets.add(s);
            OutputStream out = s.getOutputStream();
            out.write(("GET /v1/secrets/DB HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-" + i + ": ")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            slowloris.add(out);
        }
    }

    /** One more header byte on every slowloris connection every 500 ms, never the end of the head. */
    private void tickSlowloris(AtomicBoolean attacking) {
        long next = System.nanoTime();
        while (attacking.get()) {
            for (OutputStream out : List.copyOf(slowloris)) {
                try {
                    out.write('a');
                    out.flush();
                } catch (IOException e) {
                    slowloris.remove(out);
                }
            }
            next += TimeUnit.MILLISECONDS.toNanos(500);
            // The attacker's own pacing, not a test waiting for the code under test.
            java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
    }

    /**
     * The miss flood as a Python asyncio process (one event loop holds a thousand connections cheaply); where there is
     * no {@code python3}, as many Java clients as a thread each can afford. Completes with its statistics.
     */
    private CompletableFuture<String> startMissFlood(int port, long end) throws IOException {
        Path script = tmp.resolve("miss_flood.py");
        try (InputStream in = HostileClientsTest.class.getResourceAsStream("/reliability/miss_flood.py")) {
            Files.copy(in, script);
        }
        Process python;
        try {
            python = new ProcessBuilder("python3", script.toString(), Integer.toString(port), InProcessSidecar.TOKEN,
                    Integer.toString(MISS_CLIENTS), Long.toString(ATTACK.toSeconds()), "/hostile/miss/m")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException noPython) {
            Http flooder = new Http(port, InProcessSidecar.TOKEN);
            int clients = Math.min(MISS_CLIENTS, 200);
            return CompletableFuture.supplyAsync(() -> {
                try {
                    Load.Result r = Load.run(flooder, clients, () -> System.nanoTime() > end, 1_000_000,
                            i -> "/systemsmanager/parameters/get?name=/hostile/miss/j" + i + "&withDecryption=true",
                            x -> null);
                    return "{\"statuses\": " + r.statuses() + ", \"java clients\": " + clients + "}";
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream out = python.getInputStream()) {
                String stats = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!python.waitFor(60, TimeUnit.SECONDS) || python.exitValue() != 0) {
                    throw new IllegalStateException("the miss flood did not end cleanly: " + stats);
                }
                return stats;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void closeAll() {
        for (Socket s : List.copyOf(sockets)) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
