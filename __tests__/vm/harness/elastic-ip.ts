import * as net from "node:net";

/**
 * The Elastic IP as the browser sees it: one fixed address (a TCP relay on 127.0.0.1) in front of
 * whichever instance holds the address now. The VM proof points it at each new instance's forwarded
 * port as the boot's associate-address moves the real one, so a person's browser (and the TLS proxy
 * in front of it) keeps one origin across a replacement.
 */
export interface ElasticIpRelay {
  /** The relay's port on 127.0.0.1. */
  readonly port: number;
  /** Points new connections at 127.0.0.1:`port` (the current instance's hostfwd); open ones stay where they are. */
  associate(port: number): void;
  /** Closes the relay and every connection through it. */
  stop(): Promise<void>;
}

/** Starts the relay on a free port of 127.0.0.1; a connection before the first associate() is closed at once. */
export async function startElasticIpRelay(): Promise<ElasticIpRelay> {
  let target: number | undefined;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => { sockets.add(s); s.on("close", () => sockets.delete(s)); };
  const server = net.createServer((client) => {
    track(client);
    if (target === undefined) return void client.destroy();
    const upstream = net.connect(target, "127.0.0.1");
    track(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    associate: (p) => { target = p; },
    stop: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
