/**
 * Tracing is opt-in: it starts only when the operator names an exporter, the standard way
 * (OTEL_TRACES_EXPORTER other than `none`, or an OTLP endpoint). Otherwise no SDK is loaded and
 * nothing leaves the process, which is what the production outbound guard checks.
 * OTEL_SDK_DISABLED=true switches it off whatever else is set.
 */
export const tracingRequested = (env: NodeJS.ProcessEnv = process.env): boolean => {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  if (exporters.length > 0) return !exporters.every((name) => name === 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
};

/** `tracseq-<role>` unless OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
export const defaultServiceName = (argv: readonly string[] = process.argv): string => {
  const role = argv.slice(2).filter((a) => !a.startsWith('-')).slice(0, 2);
  if (role[0] === 'subgraph' || role[0] === 'projections') return `tracseq-${role.join('-')}`;
  return `tracseq-${role[0] ?? 'start'}`;
};
