package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which {@code Host} values {@link Edge} accepts, for listen addresses a test cannot bind (only loopback here): the
 * wire-level cases are in {@code HostileEdgeTest}.
 */
class EdgeTest {

    @ParameterizedTest(name = "listening on {0}, Host {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.3.7  | 10.0.3.7:2773        | true
            10.0.3.7  | 10.0.3.7             | true
            10.0.3.7  | 10.0.3.8:2773        | false
            10.0.3.7  | 127.0.0.1:2773       | true
            fd00::7   | [fd00:0:0::7]:2773   | true
            fd00::7   | fd00::7              | false
            0.0.0.0   | 0.0.0.0:2773         | false
            ::        | [::]:2773            | false
            0.0.0.0   | 10.0.3.7:2773        | false
            0.0.0.0   | pod.internal:2773    | true
            0.0.0.0   | 192.168.9.9          | true
            0.0.0.0   | [2001:db8:0::1]:80   | true
            0.0.0.0   | [::ffff:127.0.0.1]   | true
            0.0.0.0   | 127.0.0.1:99999      | true
            0.0.0.0   | 127.0.0.1:123456     | false
            0.0.0.0   | 127.0.0.1:           | false
            0.0.0.0   | [::1                 | false
            0.0.0.0   | [::1]x               | false
            0.0.0.0   | [127.0.0.1]          | false
            0.0.0.0   | localhost:80:80      | false
            """)
    void host_isAccepted_onlyForThisHost(String listen, String host, boolean accepted) {
        Edge edge = new Edge(List.of("Pod.Internal.", "192.168.9.9", "[2001:db8::1]"), listen);

        assertThat(edge.accepted(host)).isEqualTo(accepted);
    }
}
