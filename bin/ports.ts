/**
 * Where the all-in-one start's subgraphs listen: `<NAME>_PORT` when set, else a free port the OS
 * picks. The gateway reaches them in-process, so fixed ports would only collide with a second
 * instance or anything else on 4001–4006. The gateway keeps PORT (default 4000).
 */
export const allInOneSubgraphPorts = (names: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, number> =>
  Object.fromEntries(
    names.map((name) => {
      const setting = `${name.toUpperCase()}_PORT`;
      const value = env[setting];
      if (value === undefined || value === '') return [name, 0];
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${setting} must be a port number (0–65535), got "${value}"`);
      return [name, port];
    }),
  );
