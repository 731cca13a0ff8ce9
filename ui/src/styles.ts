/** Styles every page shares: headings, tables, buttons, badges, focus rings. */
import { css } from 'lit';

export const shared = css`
  :host { display: block; color: var(--fg); }
  h1 { font-size: 20px; margin: 0 0 4px; font-weight: 600; overflow-wrap: anywhere; }
  h2 { font-size: 15px; margin: 20px 0 8px; font-weight: 600; }
  h3 { font-size: 13px; margin: 12px 0 6px; font-weight: 600; }
  a { color: var(--accent); text-decoration: none; }
  a:hover { text-decoration: underline; }
  :focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
  .muted { color: var(--muted); }
  .mono { font-family: var(--mono); font-size: 12.5px; }
  .page { padding: 16px 20px 40px; max-width: 1600px; }
  .sub { color: var(--muted); margin: 0 0 12px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
  table.kv, table.data { border-collapse: collapse; width: 100%; font-size: 13px; }
  table.kv th, table.kv td, table.data th, table.data td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
  table.kv th { width: 30%; font-weight: 500; color: var(--muted); overflow-wrap: anywhere; }
  table.kv td, table.data td { overflow-wrap: anywhere; }
  table.data th { font-weight: 600; background: var(--bg-raised); position: sticky; top: 0; }
  table.data tbody tr:hover { background: var(--hover); }
  table td.num, table th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .value { white-space: pre-wrap; }
  button, select, input[type='search'], input[type='text'], input[type='number'] {
    font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: 5px; padding: 4px 8px;
  }
  button { cursor: pointer; background: var(--bg-raised); }
  button:hover:not(:disabled) { background: var(--hover); }
  button:disabled { opacity: 0.5; cursor: default; }
  button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
  .badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; line-height: 19px; border: 1px solid var(--border); background: var(--bg-raised); white-space: nowrap; }
  .badge.Production, .badge.FINISHED { color: var(--good); border-color: currentColor; }
  .badge.Staging, .badge.RUNNING, .badge.SCHEDULED { color: var(--warn); border-color: currentColor; }
  .badge.Archived, .badge.KILLED { color: var(--muted); }
  .badge.FAILED { color: var(--bad); border-color: currentColor; }
  .badge.alias { color: var(--accent); border-color: currentColor; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
  .toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
  .toolbar label { display: inline-flex; gap: 6px; align-items: center; }
  .error { color: var(--bad); }
  .loading { color: var(--muted); padding: 16px 0; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
  [role='tablist'] { display: flex; gap: 2px; border-bottom: 1px solid var(--border); margin: 12px 0; }
  [role='tab'] { border: none; border-bottom: 2px solid transparent; border-radius: 0; background: none; padding: 6px 12px; color: var(--muted); }
  [role='tab'][aria-selected='true'] { color: var(--fg); border-bottom-color: var(--accent); font-weight: 600; }
  .markdown > :first-child { margin-top: 0; }
  .markdown > :last-child { margin-bottom: 0; }
  .markdown p, .markdown ul, .markdown ol, .markdown pre, .markdown blockquote { margin: 6px 0; }
  .markdown pre { background: var(--bg-sunken); padding: 6px 10px; border-radius: 4px; overflow-x: auto; }
  .markdown code { font-family: var(--mono); font-size: 0.92em; }
  .markdown blockquote { border-left: 3px solid var(--border); padding-left: 10px; color: var(--muted); }
  .missing-value { color: var(--muted); }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
