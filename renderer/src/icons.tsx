/** Line icons as inline SVG (the kiosk has no emoji font; no web fonts). Decorative: aria-hidden. */
const PATHS = {
  house: 'M6 30 L32 8 L58 30 M14 24 V56 H50 V24 M26 56 V38 H38 V56',
  hospital: 'M10 56 V14 H54 V56 Z M32 20 V44 M20 32 H44',
  printer: 'M18 26 V8 H46 V26 M12 26 H52 V46 H12 Z M20 40 H44 V58 H20 Z M26 48 H38',
  lock: 'M16 30 H48 V58 H16 Z M22 30 V20 A10 10 0 0 1 42 20 V30 M32 40 V48',
  down: 'M32 8 V52 M14 36 L32 54 L50 36',
  up: 'M32 56 V12 M14 28 L32 10 L50 28',
  idCard: 'M6 16 H58 V50 H6 Z M14 24 H28 V40 H14 Z M34 26 H50 M34 34 H50 M34 42 H44',
  check: 'M12 34 L26 48 L52 18',
  info: 'M32 28 V50 M32 14 V20',
  backspace: 'M22 14 H56 V50 H22 L6 32 Z M30 24 L44 40 M44 24 L30 40',
  qr: 'M10 10 H28 V28 H10 Z M36 10 H54 V28 H36 Z M10 36 H28 V54 H10 Z M38 38 H44 V44 H38 Z M48 48 H54 V54 H48 Z M16 16 H22 V22 H16 Z M42 16 H48 V22 H42 Z M16 42 H22 V48 H16 Z',
  code: 'M10 14 H54 V50 H10 Z M18 22 V42 M24 22 V42 M30 22 V42 M38 22 V42 M46 22 V42',
  /** 求助: a headset */
  help: 'M12 38 V32 A20 20 0 0 1 52 32 V38 M8 38 H18 V54 H8 Z M46 38 H56 V54 H46 Z M52 54 V56 A6 6 0 0 1 46 62 H36',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 48, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={`icon${className ? ` ${className}` : ''}`}
      viewBox="0 0 64 64"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      strokeWidth={5}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
