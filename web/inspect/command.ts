// The guest program behind the kernel view (images/agent/inspect.c) and how it is asked.

export const INSPECTOR_PATH = "/usr/sbin/contained-inspect";

/** The command for one refresh; with `pid`, that process's details too. (`exec`: no shell left waiting.) */
export function inspectCommand(pid?: number): string {
  return pid === undefined ? `exec ${INSPECTOR_PATH}` : `exec ${INSPECTOR_PATH} --pid ${Math.trunc(pid)}`;
}
