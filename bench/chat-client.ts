/**
 * The client side of `npm run bench:chat`, forked by bench/chat.ts into its own process so that
 * client work does not share the server's event loop. It holds SESSIONS real `ws` connections to
 * the server on loopback, each authenticated as its own user and a member of a 10-member room,
 * and runs the phases the parent asks for over the IPC channel.
 */
import { WebSocket } from 'ws';
import { TokenService } from '@ggen-ts/runtime';
import { Samples } from './lib/samples.js';

const PORT = Number(process.env.CHAT_BENCH_PORT);
const SECRET = process.env.CHAT_JWT_SECRET ?? '';
const URL = `ws://127.0.0.1:${PORT}/ws`;
const ROOM_SIZE = 10;

interface Session {
  i: number;
  ws: WebSocket;
  room: string;
  /** Per pending probe: called with the frame. */
  onFrame: ((f: Frame) => void) | null;
}

type Frame = { type: string; [k: string]: unknown };

const tokens = new TokenService({ secret: SECRET, issuer: 'ggen-chat' });
const sessions: Session[] = [];
const nowMs = (): number => performance.now();

function ask(msg: unknown): void {
  (process.send as (m: unknown) => void)(msg);
}

function open(i: number): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(URL, { perMessageDeflate: false });
    const s: Session = { i, ws, room: `r${Math.floor(i / ROOM_SIZE)}`, onFrame: null };
    const timer = setTimeout(() => reject(new Error(`session ${i}: no auth_ok in 20 s`)), 20_000);
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      if (f.type === 'auth_ok') {
        clearTimeout(timer);
        resolve(s);
        return;
      }
      s.onFrame?.(f);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: tokens.issueTokens(`u${i}`).accessToken })));
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Sends one frame and resolves with the first reply frame of `type` on that session. */
function request(s: Session, frame: unknown, type: string): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`session ${s.i}: no ${type} in 10 s`)), 10_000);
    const prev = s.onFrame;
    s.onFrame = (f) => {
      if (f.type === type) {
        clearTimeout(timer);
        s.onFrame = prev;
        resolve(f);
      } else if (f.type === 'error') {
        clearTimeout(timer);
        s.onFrame = prev;
        reject(new Error(`session ${s.i}: ${JSON.stringify(f)}`));
      }
    };
    s.ws.send(JSON.stringify(frame));
  });
}

async function connect(n: number): Promise<unknown> {
  const t0 = nowMs();
  const batch = 250;
  for (let i = 0; i < n; i += batch) {
    const opened = await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, k) => open(i + k)));
    sessions.push(...opened);
  }
  const connected = nowMs() - t0;
  const t1 = nowMs();
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      sessions.slice(i, i + batch).map((s) => request(s, { type: 'join_room', roomId: s.room }, 'joined')),
    );
  }
  // Joining pushes presence frames to earlier members; let them drain before measuring.
  await new Promise((r) => setTimeout(r, 500));
  for (const s of sessions) s.onFrame = null;
  return { connectMs: connected, joinMs: nowMs() - t1 };
}

let seq = 0;

/** One message from a room's member; resolves with ms until every other member has it. */
function roundTrip(room: number): Promise<number> {
  const members = sessions.slice(room * ROOM_SIZE, room * ROOM_SIZE + ROOM_SIZE);
  const sender = members[seq % members.length] as Session;
  const id = `m${seq++}`;
  return new Promise((resolve, reject) => {
    let waiting = members.length - 1;
    const t0 = nowMs();
    const timer = setTimeout(
      () => reject(new Error(`round trip ${id}: ${waiting} members still waiting after 10 s`)),
      10_000,
    );
    for (const m of members) {
      if (m === sender) continue;
      m.onFrame = (f) => {
        if (f.type !== 'message' || f.clientMsgId !== id) return;
        m.onFrame = null;
        if (--waiting === 0) {
          clearTimeout(timer);
          resolve(nowMs() - t0);
        }
      };
    }
    sender.ws.send(JSON.stringify({ type: 'send_message', roomId: sender.room, body: 'round trip', clientMsgId: id }));
  });
}

async function latency(samples: number, inFlight: number): Promise<unknown> {
  const rooms = Math.floor(sessions.length / ROOM_SIZE);
  const s = new Samples();
  let next = 0;
  const t0 = nowMs();
  // Each lane owns distinct rooms, so probes in flight never share a member.
  await Promise.all(
    Array.from({ length: inFlight }, async (_, lane) => {
      for (let k = lane; k < rooms && next < samples; k += inFlight) {
        next++;
        s.add((await roundTrip(k)) * 1000);
        if (k + inFlight >= rooms) k = lane - inFlight;
      }
    }),
  );
  return { elapsedMs: nowMs() - t0, ...s.summary() };
}

/** Closed loop: `senders` members (one per room) each keep `window` messages unacknowledged for `ms`. */
async function throughput(senders: number, window: number, ms: number): Promise<unknown> {
  const rooms = Math.floor(sessions.length / ROOM_SIZE);
  const chosen = Array.from({ length: Math.min(senders, rooms) }, (_, r) => sessions[r * ROOM_SIZE] as Session);
  let acked = 0;
  let delivered = 0;
  for (const s of sessions) s.onFrame = (f) => void (f.type === 'message' && delivered++);
  const deadline = nowMs() + ms;
  const t0 = nowMs();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    chosen.map(
      (s) =>
        new Promise<void>((resolve) => {
          let outstanding = 0;
          let n = 0;
          const pump = (): void => {
            while (outstanding < window && nowMs() < deadline) {
              outstanding++;
              s.ws.send(
                JSON.stringify({ type: 'send_message', roomId: s.room, body: 'load', clientMsgId: `t${s.i}-${n++}` }),
              );
            }
            if (outstanding === 0) resolve();
          };
          s.onFrame = (f) => {
            if (f.type === 'ack') {
              outstanding--;
              acked++;
              pump();
            } else if (f.type === 'message') delivered++;
          };
          pump();
        }),
    ),
  );
  const elapsed = nowMs() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const s of sessions) s.onFrame = null;
  return {
    senders: chosen.length,
    window,
    elapsedMs: elapsed,
    acked,
    delivered,
    clientCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / elapsed) * 100),
  };
}

async function close(): Promise<unknown> {
  for (const s of sessions) s.ws.terminate();
  return {};
}

process.on('message', (msg: { phase: string; args?: number[] }) => {
  const run = async (): Promise<unknown> => {
    const a = msg.args ?? [];
    switch (msg.phase) {
      case 'connect':
        return connect(a[0] as number);
      case 'latency':
        return latency(a[0] as number, a[1] as number);
      case 'throughput':
        return throughput(a[0] as number, a[1] as number, a[2] as number);
      case 'close':
        return close();
      default:
        throw new Error(`unknown phase ${msg.phase}`);
    }
  };
  run().then(
    (result) => ask({ phase: msg.phase, ok: result }),
    (err: unknown) => ask({ phase: msg.phase, error: String(err instanceof Error ? err.stack : err) }),
  );
});
