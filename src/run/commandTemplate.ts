/**
 * MLproject command templates: the subset of Python's `str.format(**params)` that MLflow's
 * entry points use. `{name}` is replaced by the (already shell-quoted) value, `{{` and `}}` are
 * literal braces. Anything else Python would refuse (a lone brace, `{}`, `{0}`, an unknown name)
 * is refused here with a message that names it; conversions and format specs (`{x!r}`, `{x:>5}`)
 * are refused too, as no MLproject needs them.
 */
import { fail } from '../format/errors.js';

export function formatCommand(template: string, values: Record<string, string>, where: string): string {
  let out = '';
  let i = 0;
  const bad = (why: string): never => {
    throw fail('INVALID_MLPROJECT', `${where}: ${why} in command ${JSON.stringify(template)} (write literal braces as {{ and }})`, { command: template });
  };
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === '}') {
      if (template[i + 1] !== '}') bad("single '}' encountered");
      out += '}';
      i += 2;
    } else if (ch === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const end = template.indexOf('}', i + 1);
      if (end < 0) bad("single '{' encountered");
      const field = template.slice(i + 1, end);
      if (field.includes('{')) bad(`nested '{' in {${field}}`);
      if (field === '' || /^\d+$/.test(field)) bad(`positional field {${field}}`);
      if (/[.[!:]/.test(field)) bad(`{${field}} uses attribute, index, conversion or format syntax, which is not supported`);
      if (!Object.prototype.hasOwnProperty.call(values, field)) bad(`{${field}} is not a parameter of this entry point`);
      out += values[field];
      i = end + 1;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
