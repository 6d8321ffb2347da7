package io.ssmsidecar.localssm;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ThrottlingException;

/** Many clients at once: every call answered and counted once; delayed answers hold no worker. */
class LocalSsmConcurrencyTest {

    @Test
    void concurrentClients_areAllAnswered_andCountedOnce_underThrottling() throws Exception {
        Clock fixed = Clock.fixed(Instant.parse("2024-05-01T10:00:00Z"), ZoneOffset.UTC);
        try (LocalSsm ssm = LocalSsm.start(LocalSsm.Options.defaults().withClock(fixed))) {
            for (int i = 0; i < 20; i++) {
                ssm.put("/app/p" + i, "v" + i);
            }
            ssm.faults().throttleAbove(50);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    int ok = 0;
                    int throttled = 0;
                    try (SsmClient client = SdkClients.forLocal(ssm)) {
                        for (int i = 0; i < 25; i++) {
                            int n = i;
                            try {
                                assertThat(client.getParameters(r -> r.names("/app/p" + n % 20, "/app/p" + (n + 1) % 20))
                                        .parameters()).hasSize(2);
                                ok++;
                            } catch (ThrottlingException e) {
                                throttled++;
                            }
                        }
                    }
                    return new int[] {ok, throttled};
                }));
            }
            int ok = 0;
            int throttled = 0;
            for (Future<int[]> f : results) {
                int[] r = f.get(60, TimeUnit.SECONDS);
                ok += r[0];
                throttled += r[1];
            }
            pool.shutdown();

            assertThat(ok).as("a fixed clock never refills the 50-call bucket").isEqualTo(50);
            assertThat(throttled).isEqualTo(150);
            assertThat(ssm.counters().calls("GetParameters")).isEqualTo(200);
            assertThat(ssm.counters().throttled()).isEqualTo(150);
            assertThat(ssm.calls()).hasSize(200);
        }
    }

    @Test
    void aDelayedAnswer_holdsNoWorker_soOthersAreAnsweredMeanwhile() throws Exception {
        try (LocalSsm ssm = LocalSsm.start(LocalSsm.Options.defaults().withThreads(1))) {
            ssm.put("/app/a", "v");
            HttpClient http = HttpClient.newHttpClient();
            ssm.faults().latency(Duration.ofMinutes(5));
            CompletableFuture<HttpResponse<String>> slow = http.sendAsync(request(ssm), HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ssm.counters().calls("GetParameter") == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            ssm.faults().latency(Duration.ZERO);

            HttpResponse<String> fast = http.sendAsync(request(ssm), HttpResponse.BodyHandlers.ofString())
                    .get(20, TimeUnit.SECONDS);

            assertThat(fast.statusCode()).isEqualTo(200);
            assertThat(slow).isNotDone();
            assertThat(ssm.counters().calls("GetParameter")).isEqualTo(2);
        }
    }

    private static HttpRequest request(LocalSsm ssm) {
        return HttpRequest.newBuilder(URI.create(ssm.endpoint() + "/"))
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "AmazonSSM.GetParameter")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDRAW/20240501/us-east-1/ssm/aws4_request")
                .POST(HttpRequest.BodyPublishers.ofString("{\"Name\":\"/app/a\"}")).build();
    }
}
