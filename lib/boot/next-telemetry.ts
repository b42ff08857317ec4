/**
 * Next.js sends anonymous usage telemetry unless NEXT_TELEMETRY_DISABLED is
 * set. A self-hosted internal portal must not phone home by default, so every
 * script that runs Next (start, dev, the test runner's build) imports this
 * module first; child processes (`next build`) inherit the variable. An
 * operator who wants telemetry sets NEXT_TELEMETRY_DISABLED to an empty string.
 */
if (process.env.NEXT_TELEMETRY_DISABLED === undefined) process.env.NEXT_TELEMETRY_DISABLED = "1";
