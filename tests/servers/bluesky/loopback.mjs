// Preloaded with `node --import ./loopback.mjs` into the Bluesky dev network.
//
// 1. Every server of @atproto/dev-env (PDS, AppView, PLC, Ozone, bsync, the
//    dataplane) listens on all interfaces by default. Patch
//    net.Server.prototype.listen so that every TCP listener binds 127.0.0.1.
// 2. The dev network must never reach another host (this machine only reaches
//    package registries, and tests must not talk to the public network). Patch
//    net.Socket.prototype.connect so that a TCP connection to anything but
//    loopback fails at once with ECONNREFUSED, and say so on stderr.
import net from 'node:net';

const LOOPBACK = '127.0.0.1';

function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return false;
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '::ffff:127.0.0.1';
}

// --- listeners -----------------------------------------------------------

const origListen = net.Server.prototype.listen;
net.Server.prototype.listen = function patchedListen(...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !('_handle' in first) && !('fd' in first)) {
    // listen(options[, cb]): a unix socket (path) stays as it is.
    if (first.path === undefined && !isLoopbackHost(first.host)) {
      args[0] = { ...first, host: LOOPBACK };
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb])
    if (typeof args[1] === 'string') {
      if (!isLoopbackHost(args[1])) args[1] = LOOPBACK;
    } else {
      args.splice(1, 0, LOOPBACK);
    }
  } else if (first === undefined || typeof first === 'function') {
    // listen() or listen(cb): a random port on all interfaces by default.
    args.splice(0, first === undefined ? 1 : 0, 0, LOOPBACK);
  }
  return origListen.apply(this, args);
};

// --- outgoing connections ------------------------------------------------

const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patchedConnect(...args) {
  let opts = args[0];
  if (Array.isArray(opts)) opts = opts[0]; // internal normalized form [options, cb]
  let host;
  let isPath = false;
  if (opts !== null && typeof opts === 'object') {
    isPath = opts.path !== undefined;
    host = opts.host ?? 'localhost';
  } else if (typeof opts === 'string' && !/^\d+$/.test(opts)) {
    isPath = true; // connect(path[, cb])
  } else {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (!isPath && !isLoopbackHost(host)) {
    const err = Object.assign(new Error(`earshot loopback guard: refused connection to ${host}`), {
      code: 'ECONNREFUSED',
    });
    process.stderr.write(`${err.message}\n`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return origConnect.apply(this, args);
};
