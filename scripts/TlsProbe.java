import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Proves a JRE can do what the sidecar does against AWS: an HTTPS request with certificate and host name
 * verification, through the same HttpsURLConnection the SDK's URL-connection client uses. Run by
 * scripts/container-test inside the image (whose jlinked JRE leaves modules out), compiled on the host for Java 17.
 *
 *   java -cp DIR TlsProbe KEYSTORE.p12...      (PKCS12, password "changeit", a certificate for "localhost")
 *
 * For each keystore: a loopback HTTPS server with that key, a client that trusts only its certificate and
 * connects by host name. Prints one line per keystore, exits 1 on the first failure.
 */
public final class TlsProbe {
    private static final char[] PASSWORD = "changeit".toCharArray();

    public static void main(String[] args) throws Exception {
        for (String file : args) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(file)) {
                store.load(in, PASSWORD);
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, PASSWORD);
            SSLContext serverContext = SSLContext.getInstance("TLS");
            serverContext.init(keys.getKeyManagers(), null, null);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext clientContext = SSLContext.getInstance("TLS");
            clientContext.init(null, trust.getTrustManagers(), null);

            HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
            server.createContext("/", exchange -> {
                byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            try {
                URL url = new URL("https://localhost:" + server.getAddress().getPort() + "/");
                HttpsURLConnection connection = (HttpsURLConnection) url.openConnection();
                Recording sockets = new Recording(clientContext.getSocketFactory());
                connection.setSSLSocketFactory(sockets);
                int status = connection.getResponseCode();
                String body;
                try (InputStream in = connection.getInputStream()) {
                    body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (status != 200 || !body.equals("ok")) {
                    System.out.println("TLS probe " + file + ": unexpected answer " + status + " '" + body + "'");
                    System.exit(1);
                }
                String key = store.getCertificate(store.aliases().nextElement()).getPublicKey().getAlgorithm();
                System.out.println("TLS probe ok: " + key + " certificate, " + sockets.last.getSession().getProtocol()
                        + " " + sockets.last.getSession().getCipherSuite() + ", host name verified");
                connection.disconnect();
            } finally {
                server.stop(0);
            }
        }
    }

    /** Remembers the last socket it made, so the negotiated session can be shown after the request. */
    private static final class Recording extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        volatile SSLSocket last;

        Recording(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        private Socket keep(Socket socket) {
            last = (SSLSocket) socket;
            return socket;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return keep(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket() throws IOException {
            return keep(delegate.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return keep(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
            return keep(delegate.createSocket(host, port, local, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return keep(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress local, int localPort) throws IOException {
            return keep(delegate.createSocket(address, port, local, localPort));
        }
    }
}
