/** Boots the app: the theme first (no flash of the wrong one), then the shell element. */
import './theme.css';
import './boot-theme.js';
import './components/mlt-app.js';
