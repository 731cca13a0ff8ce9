/** Applies the stored (or the system's) theme before any element renders: imported first by main.ts. */
import { applyStoredTheme } from './theme.js';

applyStoredTheme();
