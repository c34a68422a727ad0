package io.streamgrad.jobs.dashboard;

import java.io.IOException;
import java.util.Map;
import java.util.Properties;

/** The dashboard running: a {@link Board}, the {@link Feed} that fills it and the server. */
public final class Dashboard implements AutoCloseable {
  private final Board board;
  private final Feed feed;
  private final DashboardServer server;

  private Dashboard(Board board, Feed feed, DashboardServer server) {
    this.board = board;
    this.feed = feed;
    this.server = server;
  }

  /**
   * Reads {@code snapshots}, {@code deadLetters} and (if they exist) {@code predictions} and {@code
   * feedback} from {@code bootstrapServers} and serves the page on {@code bind}:{@code port} (0:
   * any free port).
   */
  public static Dashboard start(
      String bootstrapServers,
      Properties clientProperties,
      String snapshots,
      String deadLetters,
      String predictions,
      String feedback,
      Map<String, float[]> trueWeights,
      String bind,
      int port)
      throws IOException {
    Board board = new Board(trueWeights, System::currentTimeMillis);
    DashboardServer server = new DashboardServer(board, bind, port);
    Feed feed =
        new Feed(
                board,
                bootstrapServers,
                clientProperties,
                snapshots,
                deadLetters,
                predictions,
                feedback)
            .start();
    return new Dashboard(board, feed, server);
  }

  public Board board() {
    return board;
  }

  public String url() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  @Override
  public void close() throws InterruptedException {
    server.close();
    feed.close();
  }
}
