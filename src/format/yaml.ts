/** Reading and writing meta.yaml files the way MLflow's PyYAML does: the emitter, the reader, typed field access. */
export { comparePythonStrings, dumpYaml, type YamlValue } from './yaml/emitYaml.js';
export { parseYaml, pyFlowScalar, pyPlainScalar, type YamlMap, type YamlNode, type YamlScalar, type YamlSeq } from './yaml/readYaml.js';
export { YamlFields } from './yaml/YamlFields.js';
