/** Vite turns CSS imports into <style>/<link>; nothing is exported. */
declare module '*.css';
