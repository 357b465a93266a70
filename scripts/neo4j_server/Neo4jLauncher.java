import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * A throw-away Neo4j DBMS for tests and benchmarks: Bolt on loopback, authentication on.
 *
 * Usage: Neo4jLauncher HOME PASSWORD MAX_LIFETIME_SECONDS
 * Reads its settings (Bolt address, memory) from HOME/conf/neo4j.conf, which embedded_neo4j.py
 * writes, and prints "READY bolt://HOST:PORT" once Bolt answers (port 0 in the file means
 * any free port). It never outlives its caller:
 * it stops when stdin closes, when its parent process dies, or after MAX_LIFETIME_SECONDS.
 */
public final class Neo4jLauncher {
    private Neo4jLauncher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Neo4jLauncher HOME PASSWORD MAX_LIFETIME_SECONDS");
            System.exit(2);
        }
        Path home = Path.of(args[0]);
        String password = args[1];
        long lifetime = Long.parseLong(args[2]);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .loadPropertiesFromFile(home.resolve("conf").resolve("neo4j.conf"))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));

        dbms.database("system").executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        GraphDatabaseAPI system = (GraphDatabaseAPI) dbms.database("system");
        var bolt = system.getDependencyResolver().resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT);
        System.out.println("READY bolt://" + bolt.getHost() + ":" + bolt.getPort());
        System.out.flush();

        watchParent();
        watchLifetime(lifetime);
        waitForStdinToClose(System.in);
        System.exit(0);
    }

    /** The caller holds our stdin: when it closes (normal stop or caller crash) we stop. */
    private static void waitForStdinToClose(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // anything written is ignored; only end-of-stream matters
            }
        } catch (IOException closed) {
            // a broken pipe means the same as end-of-stream
        }
    }

    /** A caller killed with SIGKILL may leave stdin open in a grandchild: watch the parent too. */
    private static void watchParent() {
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        Thread watcher = new Thread(() -> {
            while (parent != null && parent.isAlive()) {
                sleepSeconds(2);
            }
            System.err.println("Neo4jLauncher: parent process ended, stopping");
            System.exit(0);
        }, "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void watchLifetime(long seconds) {
        Thread watcher = new Thread(() -> {
            sleepSeconds(seconds);
            System.err.println("Neo4jLauncher: maximum lifetime of " + seconds + " s reached, stopping");
            System.exit(0);
        }, "lifetime-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void sleepSeconds(long seconds) {
        try {
            TimeUnit.SECONDS.sleep(seconds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
