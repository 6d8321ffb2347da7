package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.Await;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load on the running sidecar's API over loopback: many concurrent clients within the connection cap get only 200s;
 * beyond the cap the sidecar answers 429 (never a 5xx, never a dropped connection) and serves normally again after.
 */
@ExtendWith(LeakWatch.class)
class HttpLoadTest {
    private static final int KEYS = 8;

    @TempDir
    Path tmp;
    private LocalSsm ssm;
    private InProcessSidecar sidecar;
    private final Map<String, String> values = new LinkedHashMap<>();

    private InProcessSidecar start(String... flags) throws Exception {
        ssm = LocalSsm.start();
        SplittableRandom random = new SplittableRandom(80);
        Map<String, String> refs = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String v = Values.make("K" + i, 1, 100 + random.nextInt(2000), random);
            values.put("K" + i, v);
            ssm.put("/load/k" + i, v, "SecureString");
            refs.put("K" + i, "ssm:///load/k" + i);
        }
        sidecar = InProcessSidecar.start(ssm, tmp.resolve("out"), refs, flags);
        sidecar.awaitReady();
        return sidecar;
    }

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
        if (ssm != null) {
            ssm.close();
        }
    }

    private String check(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            LeakWatch.search("load error body", r.body());
            return "status " + r.statusCode();
        }
        String path = r.uri().getPath();
        if (path.startsWith("/v1/secrets/")) {
            return r.body().equals(values.get(path.substring("/v1/secrets/".length()))) ? null : "wrong value";
        }
        if (path.startsWith("/systemsmanager")) {
            return r.body().contains("\"Value\":\"" + values.get("K3") + "\"") ? null : "wrong GetParameter answer";
        }
        return null;
    }

    @Test
    void sustainedConcurrentClients_withinTheCap_getOnly200s() throws Exception {
        start();
        int clients = 32;
        int perClient = Figures.longRun() ? 10_000 : 1_000;
        long t0 = System.nanoTime();
        Load.Result r = Load.run(sidecar.http, clients, perClient, i -> switch (i % 4) {
            case 0 -> "/systemsmanager/parameters/get?name=/load/k3&withDecryption=true";
            case 1 -> "/v1/secrets";
            default -> "/v1/secrets/K" + (i % KEYS);
        }, this::check);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String scrape = sidecar.scrape();

        assertThat(r.problems()).as("%s", r).isEmpty();
        assertThat(r.count(200)).isEqualTo(clients * perClient);
        assertThat(InProcessSidecar.counter(scrape, "ssm_sidecar_http_requests_total", "status=\"5")).isZero();
        Figures.record("http-load", "clients x requests", clients + " x " + perClient);
        Figures.record("http-load", "result", r.toString());
        Figures.record("http-load", "throughput (req/s, client and server share 2 cores)",
                String.format("%.0f", r.requests() / seconds));
    }

    @Test
    void beyondTheCap_answers429_neverFallsOver_andServesNormallyAfterwards() throws Exception {
        int cap = 8;
        start("--max-connections", Integer.toString(cap));
        // Hold every long-poll place, then flood: further long-polls get 429; declared reads and probes take no place
        // (issue 18 item 7), so they are all served.
        String etag = sidecar.http.get("/v1/secrets/K0").headers().firstValue("ETag").orElseThrow();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < cap; i++) {
            held.add(longPoll(etag, "60s"));
        }
        int[] last = {0};
        // The held long-polls are sent asynchronously, so the first probe below can reach the server before the last
        // of them, take the last place and leave that held one with 429: then 7 held + each probe fill the cap, and
        // every probe gets 304, never 429. A held one that ended so is replaced (and reported).
        List<String> endedEarly = new ArrayList<>();
        Await.until(java.time.Duration.ofSeconds(30), () -> {
            for (int i = 0; i < held.size(); i++) {
                if (held.get(i).isDone()) {
                    endedEarly.add(String.valueOf(held.get(i).handle((r, e) -> e == null ? r.statusCode() : e).join()));
                    held.set(i, longPoll(etag, "60s"));
                }
            }
            return (last[0] = longPollStatus(etag)) == 429;
        }, () -> "every place held (one more long-poll answered " + last[0] + "; held ones that ended early: "
                + endedEarly + ")");
        Figures.record("http-load", "held long-polls that ended before the cap was reached", endedEarly.toString());
        Load.Result flood = Load.run(sidecar.http, 64, 50, i -> i % 8 == 0 ? "/ping" : "/v1/secrets/K" + (i % KEYS),
                r -> r.uri().getPath().equals("/ping") ? (r.statusCode() == 200 ? null : "status " + r.statusCode())
                        : check(r));
        List<CompletableFuture<HttpResponse<String>>> beyond = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            beyond.add(longPoll(etag, "60s"));
        }
        ssm.put("/load/k0", values.get("K0") + "x", "SecureString");
        values.put("K0", values.get("K0") + "x");
        sidecar.sidecar.requestRefresh();
        for (CompletableFuture<HttpResponse<String>> h : held) {
            assertThat(h.get(30, TimeUnit.SECONDS).statusCode()).as("a held long-poll sees the rotation").isEqualTo(200);
        }
        for (CompletableFuture<HttpResponse<String>> b : beyond) {
            assertThat(b.get(30, TimeUnit.SECONDS).statusCode()).as("a long-poll beyond the cap").isEqualTo(429);
        }
        // A burst far above the cap without held places: every declared read is served.
        Load.Result burst = Load.run(sidecar.http, 128, 40, i -> "/v1/secrets/K" + (i % KEYS), this::check);
        Load.Result after = Load.run(sidecar.http, 4, 100, i -> "/v1/secrets/K" + (i % KEYS), this::check);

        assertThat(flood.problems()).as("%s", flood).isEmpty();
        assertThat(flood.count(200)).isEqualTo(64 * 50);
        assertThat(burst.problems()).as("%s", burst).isEmpty();
        assertThat(burst.count(200)).isEqualTo(128 * 40);
        assertThat(after.problems()).as("%s", after).isEmpty();
        String scrape = sidecar.scrape();
        assertThat(InProcessSidecar.counter(scrape, "ssm_sidecar_http_requests_total", "status=\"5")).isZero();
        Figures.record("http-cap", "cap (long-poll places)", cap);
        Figures.record("http-cap", "declared reads and probes with every long-poll place held (64 clients x 50)",
                flood.toString());
        Figures.record("http-cap", "long-polls beyond the cap answered 429", beyond.size());
        Figures.record("http-cap", "burst without held places (128 clients x 40)", burst.toString());
        Figures.record("http-cap", "afterwards (4 clients x 100)", after.toString());
    }

    private CompletableFuture<HttpResponse<String>> longPoll(String etag, String wait) {
        return sidecar.http.sendAsync(sidecar.http.request("/v1/secrets/K0?wait=" + wait)
                .header(Http.TOKEN_HEADER, InProcessSidecar.TOKEN).header("If-None-Match", etag).build());
    }

    private int longPollStatus(String etag) {
        try {
            return longPoll(etag, "100ms").get(10, TimeUnit.SECONDS).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
