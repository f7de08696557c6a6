import { probeCommand } from '../exec';

/**
 * PostgreSQL refuses to run as root, and a root stack (a container, CI) is common. As root, its programs run in a
 * user namespace of their own where they are `nobody`, while the kernel still sees root: they read the stack's
 * private folders and write files that stay root's, so nothing is chowned, no user is created, and `stack reset`
 * deletes the data like any other. Outside root the command runs as it is.
 */
const NAMESPACE_UID = '65534'; // nobody: initdb looks its user up, so the id must have a passwd entry

export function unprivilegedCommand(
  cmd: string,
  args: string[],
  uid: number | undefined,
): { cmd: string; args: string[] } {
  if (uid !== 0) return { cmd, args };
  return {
    cmd: 'unshare',
    args: ['--user', `--map-user=${NAMESPACE_UID}`, `--map-group=${NAMESPACE_UID}`, cmd, ...args],
  };
}

/** Throws, saying what to do instead, when running as root without user namespaces to step out of root with. */
export function requireUnprivilegedRun(uid: number | undefined): void {
  if (uid !== 0) return;
  const probe = unprivilegedCommand('true', [], uid);
  if (probeCommand(probe.cmd, probe.args) === undefined) {
    throw new Error(
      'PostgreSQL refuses to run as root, and this machine does not let root step into a user namespace ' +
        '(`unshare --user --map-user` from util-linux 2.36+): run the stack as a normal user, or keep ' +
        'STACK_MONGO_BACKEND=sqlite',
    );
  }
}
