package socialpulse.dev;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Result;
import org.neo4j.io.ByteUnit;

/**
 * Embedded Neo4j community server for the socialpulse dev stack: Bolt, OpenGDS and APOC core.
 *
 * <p>Arguments (each also readable from an environment variable; arguments win):
 *
 * <pre>
 *   --data-dir DIR        NEO4J_DATA_DIR      Neo4j home: data/, logs/ (required)
 *   --bolt HOST:PORT      NEO4J_BOLT_ADDRESS  Bolt listen address (default 127.0.0.1:7687)
 *   --plugins-dir DIR     NEO4J_PLUGINS_DIR   jars whose procedures and functions are registered
 *                                             (default: "plugins" next to the launcher jar)
 *   --pagecache SIZE_MB   NEO4J_PAGECACHE_MB  page cache in MiB (default 256)
 * </pre>
 *
 * <p>Authentication: when NEO4J_PASSWORD is non-empty, auth is enabled and the user NEO4J_USER (default
 * "neo4j") gets that password (created or updated at every start); otherwise auth is disabled.
 *
 * <p>Prints one line starting with "NEO4J READY" once Bolt accepts connections and gds.version() and
 * apoc.version() answer. SIGTERM/SIGINT shut the database down cleanly.
 */
public final class Neo4jLauncher {
  private Neo4jLauncher() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    String dataDir = env.getOrDefault("NEO4J_DATA_DIR", "");
    String bolt = env.getOrDefault("NEO4J_BOLT_ADDRESS", "127.0.0.1:7687");
    String pluginsDir = env.getOrDefault("NEO4J_PLUGINS_DIR", "");
    long pagecacheMb = Long.parseLong(env.getOrDefault("NEO4J_PAGECACHE_MB", "256"));
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--data-dir" -> dataDir = need(a, v);
        case "--bolt" -> bolt = need(a, v);
        case "--plugins-dir" -> pluginsDir = need(a, v);
        case "--pagecache" -> pagecacheMb = Long.parseLong(need(a, v));
        default -> fail("unknown argument " + a);
      }
      i++;
    }
    if (dataDir.isEmpty()) fail("--data-dir (or NEO4J_DATA_DIR) is required");
    Path home = Path.of(dataDir).toAbsolutePath();
    Path plugins = pluginsDir.isEmpty() ? defaultPluginsDir() : Path.of(pluginsDir).toAbsolutePath();
    if (!Files.isDirectory(plugins)) fail("plugins directory " + plugins + " does not exist");
    SocketAddress boltAddress = parseAddress(bolt);
    String user = env.getOrDefault("NEO4J_USER", "");
    if (user.isEmpty()) user = "neo4j";
    String password = env.getOrDefault("NEO4J_PASSWORD", "");
    boolean auth = !password.isEmpty();
    Files.createDirectories(home);

    System.out.printf(
        "neo4j launcher: home=%s bolt=%s plugins=%s auth=%s pagecache=%dm java=%s%n",
        home, boltAddress, plugins, auth ? "enabled (user " + user + ")" : "disabled", pagecacheMb,
        Runtime.version());
    long started = System.nanoTime();

    List<String> procedures = List.of("gds.*", "apoc.*");
    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, boltAddress)
        .setConfig(BoltConnector.advertised_address, boltAddress)
        .setConfig(HttpConnector.enabled, false)
        .setConfig(HttpsConnector.enabled, false)
        .setConfig(GraphDatabaseSettings.auth_enabled, auth)
        .setConfig(GraphDatabaseSettings.auth_minimum_password_length, 1)
        .setConfig(GraphDatabaseSettings.plugin_dir, plugins)
        .setConfig(GraphDatabaseSettings.procedure_unrestricted, procedures)
        .setConfig(GraphDatabaseSettings.procedure_allowlist, procedures)
        .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
        .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
        .setConfig(GraphDatabaseSettings.udc_enabled, false)
        .build();

    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean shuttingDown = new AtomicBoolean(false);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      shuttingDown.set(true);
      System.out.println("neo4j launcher: shutting down");
      try {
        dbms.shutdown();
        System.out.println("neo4j launcher: stopped");
      } catch (RuntimeException e) {
        System.out.println("neo4j launcher: shutdown failed: " + e);
      } finally {
        stopped.countDown();
      }
    }, "neo4j-shutdown"));

    try {
      if (auth) setPassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), user, password);
      GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
      Map<String, Object> versions = db.executeTransactionally(
          "RETURN gds.version() AS gds, apoc.version() AS apoc", Map.of(), Result::next);
      waitForPort(boltAddress, Duration.ofSeconds(60));
      System.out.printf(
          "NEO4J READY bolt://%s neo4j=%s gds=%s apoc=%s in %.1fs%n",
          boltAddress, org.neo4j.kernel.internal.Version.getNeo4jVersion(), versions.get("gds"),
          versions.get("apoc"), (System.nanoTime() - started) / 1e9);
    } catch (Exception e) {
      if (shuttingDown.get()) return; // SIGTERM before the checks were done: the hook stops the database
      System.out.println("neo4j launcher: start failed: " + e);
      e.printStackTrace(System.out);
      System.exit(1); // runs the shutdown hook
    }
    stopped.await();
  }

  /** Create the user, or set its password, on the system database (community edition: every user is admin). */
  private static void setPassword(GraphDatabaseService system, String user, String password) {
    boolean existing = system.executeTransactionally(
        "SHOW USERS YIELD user WHERE user = $user RETURN count(*) AS n", Map.of("user", user),
        r -> ((Number) r.next().get("n")).longValue() > 0);
    try {
      String verb = existing ? "ALTER" : "CREATE";
      system.executeTransactionally(
          verb + " USER " + quote(user) + " SET PASSWORD $password CHANGE NOT REQUIRED",
          Map.of("password", password));
      System.out.printf("neo4j launcher: %s user %s%n", existing ? "updated" : "created", user);
    } catch (RuntimeException e) {
      // ALTER USER refuses to set the password it already has.
      if (!String.valueOf(e.getMessage()).contains("cannot be the same")) throw e;
      System.out.printf("neo4j launcher: user %s already has that password%n", user);
    }
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }

  private static Path defaultPluginsDir() throws Exception {
    Path jar = Path.of(Neo4jLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    return jar.getParent().resolve("plugins");
  }

  private static SocketAddress parseAddress(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) return new SocketAddress("127.0.0.1", Integer.parseInt(hostPort));
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    return new SocketAddress(host.isEmpty() ? "0.0.0.0" : host, Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static void waitForPort(SocketAddress address, Duration timeout) throws Exception {
    String host = address.getHostname().equals("0.0.0.0") ? "127.0.0.1" : address.getHostname();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, address.getPort()), 1000);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) throw new IOException("Bolt is not listening on " + address, e);
        Thread.sleep(200);
      }
    }
  }

  private static String need(String flag, String value) {
    if (value == null) fail(flag + " needs a value");
    return value;
  }

  private static void fail(String message) {
    System.err.println("neo4j launcher: " + message);
    System.exit(2);
  }
}
