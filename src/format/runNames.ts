/** Random run names in MLflow's shape, `<adjective>-<noun>-<0..999>`, at most 20 characters. */

const ADJECTIVES = [
  'agile', 'amber', 'ample', 'bold', 'brave', 'bright', 'brisk', 'calm', 'clever', 'cosmic', 'crisp', 'daring',
  'eager', 'exact', 'fair', 'fleet', 'fond', 'gentle', 'glad', 'golden', 'grand', 'hardy', 'honest', 'humble',
  'jolly', 'keen', 'kind', 'lucid', 'lucky', 'merry', 'mighty', 'nimble', 'noble', 'polite', 'proud', 'quick',
  'quiet', 'rapid', 'serene', 'sharp', 'shy', 'silent', 'smooth', 'steady', 'sunny', 'swift', 'tidy', 'vivid',
  'warm', 'wise', 'witty', 'zesty',
];

const NOUNS = [
  'ant', 'badger', 'bat', 'bear', 'bee', 'bison', 'carp', 'cat', 'crane', 'crow', 'deer', 'dove', 'duck', 'eel',
  'elk', 'finch', 'fox', 'frog', 'gecko', 'goat', 'hare', 'hawk', 'heron', 'ibis', 'koala', 'lark', 'lemur',
  'lynx', 'mole', 'moth', 'newt', 'otter', 'owl', 'panda', 'perch', 'pike', 'puma', 'quail', 'raven', 'seal',
  'shrew', 'snail', 'stork', 'swan', 'tapir', 'toad', 'trout', 'vole', 'wasp', 'whale', 'wolf', 'wren', 'yak',
];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

export function randomRunName(random: () => number = Math.random): string {
  for (;;) {
    const name = `${pick(ADJECTIVES, random)}-${pick(NOUNS, random)}-${Math.floor(random() * 1000)}`;
    if (name.length <= 20) return name;
  }
}
