// The guest program behind the kernel view (images/agent/inspect.c) and how it is asked.

export const INSPECTOR_PATH = "/usr/sbin/contained-inspect";

export interface InspectOptions {
  /** Kernel threads too (else only counted). */
  all?: boolean;
  /** That process's details too. */
  pid?: number;
}

/** The command for one refresh. (`exec`: no shell left waiting for it.) */
export function inspectCommand({ all = false, pid }: InspectOptions = {}): string {
  return `exec ${INSPECTOR_PATH}${all ? " --all" : ""}${pid === undefined ? "" : ` --pid ${Math.trunc(pid)}`}`;
}
