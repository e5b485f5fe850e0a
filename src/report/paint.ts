/** ANSI colors, or identity functions when colors are off. */
export interface Paint {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const codes: Record<keyof Paint, [number, number]> = {
  red: [31, 39],
  yellow: [33, 39],
  green: [32, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export function paint(enabled: boolean): Paint {
  const entries = Object.entries(codes).map(([name, [open, close]]) => [
    name,
    enabled ? (text: string) => `\x1b[${open}m${text}\x1b[${close}m` : (text: string) => text,
  ]);
  return Object.fromEntries(entries) as unknown as Paint;
}
