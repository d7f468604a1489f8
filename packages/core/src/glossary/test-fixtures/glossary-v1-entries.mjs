// The entries of the glossary-v1 fixture (see make-glossary-v1-fixture.mjs), shared with its test.
export const FIXTURE_ENTRIES = [
  { key: 'C++', value: 'A compiled language descended from C, with classes and templates.', agentId: 'dev-bot', category: 'language', aliases: ['cpp', 'C plus plus'] },
  { key: '/dev/null', value: 'The null device: writes to it are discarded.', agentId: 'dev-bot', description: 'Redirect output there to silence a command.' },
  { key: '802.11a', value: 'A Wi-Fi standard in the 5 GHz band.', agentId: 'dev-bot', aliases: ['Wi-Fi 2'] },
  { key: 'k8s', value: 'Kubernetes, a container orchestrator.', agentId: 'dev-bot', aliases: ['Kubernetes'] },
  { key: 'Routers', value: 'Devices that forward packets between networks.', agentId: 'dev-bot', description: 'Each router reads the destination address of the packets it receives.' },
  { key: 'The Internet', value: 'The network of interconnected networks running TCP/IP.', agentId: 'dev-bot' },
  { key: 'PII', value: 'Personally Identifiable Information', agentId: 'compliance-bot', category: 'abbreviation', aliases: ['private data'] },
];
