/**
 * The programmatic API of tsc-box: what a program can use without going through the command
 * line. The OCI types and the spec builder are the stable core; `runCommand` runs a container
 * exactly as `tsc-box run ARGS...` would (stdio inherited) and returns its exit status. `TscBox`
 * (src/sdk, docs/sdk.md) is the engine as a typed API: containers, images, networks and volumes,
 * their output captured, failures as TscBoxError with the error contract's stable codes.
 */
export * from './oci/spec'
export {buildSpec, cgroupsPathFor, DEFAULT_PATH, NAMESPACES, type SpecInput} from './oci/builder'
export {CliError, EXIT_CANNOT_INVOKE, EXIT_ENGINE, EXIT_NOT_FOUND, isCliError} from './errors'
export {runCommand, type RunCommandResult, type RunResult} from './run/main'
export {resolvePaths, type Paths} from './paths'
export {parseRuntimeLog, runOutcome, type RunOutcome, type RuntimeLog} from './runtime/log'
export * from './sdk/index'
