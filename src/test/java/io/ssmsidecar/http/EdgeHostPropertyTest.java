package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.testing.Hostile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The {@code Host} check of {@link Edge} on any header value (issue 18): it never throws; it accepts every spelling of
 * a loopback name or address (any case, a root dot, every IPv6 spelling of {@code ::1}, IPv4-mapped {@code 127/8}) with
 * any port or none; and whatever it accepts names loopback or a listed name by the rules below, which read addresses as
 * ASCII literals only. Time is linear in the header.
 */
class EdgeHostPropertyTest {
    private static final List<String> ALLOWED = List.of("pod.internal", "192.168.9.9");

    private final Edge edge = new Edge(ALLOWED, "127.0.0.1");

    @Property(tries = 1000)
    void everyLoopbackSpelling_isAccepted_withAnyPort(@ForAll("loopbackNames") String name, @ForAll("ports") String port) {
        assertThat(edge.accepted(name + port)).as(name + port).isTrue();
    }

    @Property(tries = 3000)
    void anyHost_isAcceptedOnlyWhenItNamesLoopbackOrAListedName(@ForAll("hostileHosts") String host) {
        boolean accepted = edge.accepted(host);

        if (accepted) {
            assertThat(Model.namesThisHost(host)).as("accepted %s", host).isTrue();
        }
    }

    @Property(tries = 1000)
    void theDecision_dependsOnTheNameOnly_notOnThePort(@ForAll("hostileHosts") String name, @ForAll("ports") String port) {
        String bracketed = name.indexOf(':') >= 0 && !name.startsWith("[") ? "[" + name + "]" : name;
        if (bracketed.indexOf(':', bracketed.indexOf(']') + 1) >= 0) {
            return;
        }
        assertThat(edge.accepted(bracketed + port)).as(bracketed + port).isEqualTo(edge.accepted(bracketed));
    }

    @Property(tries = 5)
    void checkTime_isLinearInTheHeader(@ForAll("hostileHosts") String piece) {
        Hostile.assertLinear("Host of " + piece.length() + "-character pieces", 64 * 1024,
                size -> Hostile.repeatTo(piece, size), edge::accepted);
        Hostile.assertLinear("bracketed Host", 64 * 1024,
                size -> "[" + Hostile.repeatTo(piece.replace("]", ""), size) + "]", edge::accepted);
    }

    // ---- regressions found by the properties above ------------------------------------------------------------------

    /**
     * A bracketed {@code Host} made of IPv6 characters but starting with '.' ({@code [.::1]}) is no address literal to
     * {@code InetAddress}, which looked it up (hosts file, then DNS) on the request thread: a name service answering
     * 127.0.0.1 made it accepted, and a slow one held the thread. Run in a child JVM whose hosts file maps those names
     * to 127.0.0.1, since a JVM reads its name-service settings once.
     */
    @Example
    void aHostThatIsNoLiteral_isNeverLookedUp() throws Exception {
        Path dir = Files.createTempDirectory("edge-lookup");
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 .::1 .: ..:: .::ffff:127.0.0.1 localhost\n");
        Path out = dir.resolve("out");
        Process probe = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-Xmx32m",
                "-XX:TieredStopAtLevel=1", "-Djdk.net.hosts.file=" + hosts, "-cp", System.getProperty("java.class.path"),
                LookupProbe.class.getName(), "[.::1]", "[.:]", "[..::]:80", "[.::ffff:127.0.0.1]", "[::1]")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ends").isTrue();
            assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo(String.join("\n",
                    "[.::1] false", "[.:] false", "[..::]:80 false", "[.::ffff:127.0.0.1] false", "[::1] true", ""));
        } finally {
            probe.destroyForcibly();
            Files.delete(out);
            Files.delete(hosts);
            Files.delete(dir);
        }
    }

    /** Prints each argument and whether {@link Edge} accepts it as {@code Host}. */
    static final class LookupProbe {
        public static void main(String[] hosts) {
            Edge edge = new Edge(List.of(), "127.0.0.1");
            for (String host : hosts) {
                System.out.println(host + " " + edge.accepted(host));
            }
        }
    }

    // ---- generators --------------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<String> loopbackNames() {
        Arbitrary<String> localhost = Combinators.combine(
                        Arbitraries.integers().between(0, (1 << 9) - 1), Arbitraries.of("", "."))
                .as((caseBits, dot) -> withCase("localhost", caseBits) + dot);
        Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
        Arbitrary<String> v4 = Combinators.combine(octet, octet, octet).as((a, b, c) -> "127." + a + "." + b + "." + c);
        Arbitrary<String> v6 = Combinators.combine(Arbitraries.integers().between(0, 7),
                        Arbitraries.integers().between(0, 3), Arbitraries.of(true, false))
                .as((compressFrom, zeros, upper) -> "[" + ipv6Loopback(compressFrom, zeros, upper) + "]");
        Arbitrary<String> mapped = Combinators.combine(octet, octet, octet, Arbitraries.of("::ffff:", "0:0:0:0:0:ffff:",
                        "::FFFF:", "0000::ffff:"))
                .as((a, b, c, prefix) -> "[" + prefix + "127." + a + "." + b + "." + c + "]");
        return Arbitraries.oneOf(localhost, v4, v6, mapped, Arbitraries.of("127.0.0.1", "ALLOWED", "pod.internal",
                "POD.Internal.", "192.168.9.9")).map(n -> n.equals("ALLOWED") ? "Pod.Internal" : n);
    }

    /** {@code ::1} written out with its zero groups from {@code compressFrom} folded into {@code ::}, or none. */
    private static String ipv6Loopback(int compressFrom, int extraZeros, boolean upper) {
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            groups.add("0".repeat(1 + extraZeros));
        }
        groups.add("0".repeat(extraZeros) + "1");
        String text;
        if (compressFrom == 7) {
            text = String.join(":", groups);
        } else {
            text = String.join(":", groups.subList(0, compressFrom)) + "::" + groups.get(7);
        }
        return upper ? text.toUpperCase(Locale.ROOT) : text;
    }

    private static String withCase(String s, int bits) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            b.append((bits >> i & 1) == 1 ? Character.toUpperCase(s.charAt(i)) : s.charAt(i));
        }
        return b.toString();
    }

    @Provide
    Arbitrary<String> ports() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just("")),
                Tuple.of(4, Arbitraries.integers().between(0, 65535).map(p -> ":" + p)),
                Tuple.of(1, Arbitraries.of(":0", ":00080", ":65535", ":65536", ":99999", ":2773")));
    }

    @Provide
    Arbitrary<String> hostileHosts() {
        Arbitrary<String> valid = Combinators.combine(loopbackNames(), ports()).as((n, p) -> n + p);
        Arbitrary<String> foreign = Arbitraries.of("evil.example", "127.0.0.1.nip.io", "localhost.evil.example",
                "10.0.0.5", "[::2]", "[fe80::1]", "0x7f.1", "2130706433", "0177.0.0.1", "127.1", "127.0.0.01",
                "[::127.0.0.1]", "[::ffff:10.0.0.1]", "[0:0:0:0:0:0:0:2]", "[.::1]", "[.:]", "[::1%lo]",
                "[::1]:80:80", "localhost:80:80", "evil.example@localhost", "localhost@evil.example",
                "http://localhost", "localhost/", "local\u0131host", "\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54",
                "[::\u0661]", "127.0.0.\u0661", "ocalhost", "localhost..", ".localhost", "pod.internal.evil", "");
        return Arbitraries.frequencyOf(
                Tuple.of(4, Hostile.mutated(valid)),
                Tuple.of(2, Hostile.mutated(foreign)),
                Tuple.of(1, valid),
                Tuple.of(1, foreign),
                Tuple.of(1, Hostile.anyString(30)),
                Tuple.of(1, Combinators.combine(Hostile.fragment(), Arbitraries.integers().between(1, 2000))
                        .as((piece, n) -> "[" + piece.repeat(n) + "]")));
    }

    /**
     * What the check must decide, written without {@code InetAddress}: a name is this host when it is
     * {@code localhost} (any case, root dot), a listed name, a dotted quad in 127/8, or, in brackets, an IPv6
     * literal of {@code ::1} or of an IPv4-mapped 127/8 address. Only ASCII spells an address.
     */
    static final class Model {
        static boolean namesThisHost(String host) {
            String name;
            String rest;
            if (host.startsWith("[")) {
                int close = host.indexOf(']');
                if (close < 0) {
                    return false;
                }
                name = host.substring(1, close);
                rest = host.substring(close + 1);
                if (!portOrNothing(rest)) {
                    return false;
                }
                long[] v6 = ipv6(name);
                boolean mapped = v6 != null && v6[0] == 0 && (v6[1] >>> 32) == 0xffffL;
                return v6 != null && (v6[0] == 0 && v6[1] == 1 || mapped && (v6[1] >>> 24 & 0xff) == 127
                        || mapped && (v6[1] & 0xffffffffL) == (192L << 24 | 168 << 16 | 9 << 8 | 9));
            }
            int colon = host.indexOf(':');
            name = colon < 0 ? host : host.substring(0, colon);
            if (colon >= 0 && !portOrNothing(host.substring(colon))) {
                return false;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            String bare = lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
            return bare.equals("localhost") || bare.equals("pod.internal") || name.equals("192.168.9.9")
                    || name.matches("127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
        }

        private static boolean portOrNothing(String rest) {
            return rest.isEmpty() || rest.matches(":[0-9]{1,5}");
        }

        /** The two 64-bit halves of an ASCII IPv6 literal (with an optional dotted quad at its end), or null. */
        static long[] ipv6(String s) {
            if (!s.matches("[0-9A-Fa-f:.]+")) {
                return null;
            }
            int dots = s.indexOf('.');
            List<Integer> tail = new ArrayList<>();
            String hex = s;
            if (dots >= 0) {
                int lastColon = s.lastIndexOf(':');
                String quad = s.substring(lastColon + 1);
                String[] o = quad.split("\\.", -1);
                if (o.length != 4 || !quad.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")
                        || List.of(o).stream().anyMatch(x -> Integer.parseInt(x) > 255)) {
                    return null;
                }
                tail.add(Integer.parseInt(o[0]) << 8 | Integer.parseInt(o[1]));
                tail.add(Integer.parseInt(o[2]) << 8 | Integer.parseInt(o[3]));
                hex = s.substring(0, lastColon + 1);
                if (hex.endsWith("::")) {
                    hex = hex + "";
                } else if (hex.endsWith(":")) {
                    hex = hex.substring(0, hex.length() - 1);
                }
            }
            int wanted = 8 - tail.size();
            List<Integer> groups = new ArrayList<>();
            int gap = hex.indexOf("::");
            if (gap != hex.lastIndexOf("::") && gap >= 0) {
                return null;
            }
            if (gap < 0) {
                if (!parseGroups(hex, groups) || groups.size() != wanted) {
                    return null;
                }
            } else {
                List<Integer> left = new ArrayList<>();
                List<Integer> right = new ArrayList<>();
                String l = hex.substring(0, gap);
                String r = hex.substring(gap + 2);
                if (!l.isEmpty() && !parseGroups(l, left) || !r.isEmpty() && !parseGroups(r, right)
                        || left.size() + right.size() >= wanted) {
                    return null;
                }
                groups.addAll(left);
                for (int i = left.size() + right.size(); i < wanted; i++) {
                    groups.add(0);
                }
                groups.addAll(right);
            }
            groups.addAll(tail);
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < 4; i++) {
                hi = hi << 16 | groups.get(i);
                lo = lo << 16 | groups.get(i + 4);
            }
            return new long[] {hi, lo};
        }

        private static boolean parseGroups(String s, List<Integer> out) {
            for (String g : s.split(":", -1)) {
                // Leading zeros beyond four digits still spell the group (InetAddress reads 00000 as 0).
                if (!g.matches("0*[0-9A-Fa-f]{1,4}")) {
                    return false;
                }
                out.add(Integer.parseInt(g, 16));
            }
            return true;
        }
    }
}
