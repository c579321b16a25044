/**
 * Preload (`node --import`, or NODE_OPTIONS so every child process gets it too) that records each
 * connection and DNS question leaving this machine, as JSON lines in $OUTBOUND_GUARD_LOG. It records
 * rather than blocks, so a session runs as it would and the test sees everything that was tried.
 * Each process first writes a `loaded` line: a test can tell the guard was there.
 */
import { appendFileSync } from 'node:fs';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

const log = process.env.OUTBOUND_GUARD_LOG;
const record = (entry) => {
  if (!log) return;
  try {
    appendFileSync(log, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
  } catch {
    // The guard must never change what the process does.
  }
};

const isLoopback = (host) => {
  if (host === undefined || host === null || host === '') return true; // node's default is localhost
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0.0.0.0' || h === '::' || /^127\./.test(h) || /^::ffff:127\./.test(h);
};
const where = () => new Error().stack?.split('\n').slice(3, 8).map((line) => line.trim()).join(' | ');

record({ kind: 'loaded', argv: process.argv.slice(1, 4) });

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (!options.path && !isLoopback(options.host)) record({ kind: 'connect', host: options.host, port: options.port, where: where() });
  return connect.apply(this, args);
};

const guardDns = (target, name) => {
  const original = target[name];
  if (typeof original !== 'function') return;
  target[name] = function guardedDns(hostname, ...rest) {
    if (!isLoopback(hostname)) record({ kind: `dns.${name}`, host: hostname, where: where() });
    return original.call(this, hostname, ...rest);
  };
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveTxt', 'resolveSrv']) {
  guardDns(dns, name);
  guardDns(dns.promises, name);
}

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function guardedSend(...args) {
  const address = args.find((arg, index) => index > 0 && typeof arg === 'string');
  if (!isLoopback(address)) record({ kind: 'udp', host: address, where: where() });
  return send.apply(this, args);
};
