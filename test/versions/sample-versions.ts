/** Three versions of one made-up regulation (示例), written by the tests themselves: 2019, its 2023 revision, and a 2099 revision not yet in force. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export const TITLE = '某市突发事件应对示例条例';

const V2019 = [
  '为了预防和处置本市突发事件，保障人民群众生命财产安全，制定本条例。',
  '本条例适用于本市行政区域内突发事件的预防、处置和恢复重建。',
  '市人民政府设立应急指挥机构，统一领导全市突发事件应对工作。',
  '区人民政府应当每年组织一次综合应急演练，检验预案的可操作性。',
  '发生突发事件的单位应当在一小时内向所在地区人民政府报告。',
  '违反本条例规定的，由有关部门责令改正；情节严重的，依法追究责任。',
  '本条例自2019年3月1日起施行。',
];

const V2023 = [
  V2019[0]!,
  '本条例所称突发事件，是指突然发生的自然灾害、事故灾难、公共卫生事件和社会安全事件。',
  V2019[1]!,
  '市人民政府设立应急指挥机构，统一领导、协调全市突发事件应对工作。',
  '发生突发事件的单位应当在三十分钟内向所在地区人民政府报告。',
  V2019[5]!,
  '本条例自2023年5月1日起施行。',
];

const V2099 = [...V2023.slice(0, 4), '发生突发事件的单位应当在十五分钟内向所在地区人民政府报告。', V2023[5]!, '本条例自2099年1月1日起施行。'];

const NUMERALS = ['一', '二', '三', '四', '五', '六', '七'];

function text(header: string[], articles: string[]): string {
  return [`# ${TITLE}`, '', ...header.flatMap((h) => [h, '']), ...articles.flatMap((a, i) => [`第${NUMERALS[i]}条 ${a}`, ''])].join('\n');
}

const ADOPTED = '2019年1月10日某市第十五届人民代表大会常务委员会第八次会议通过';

export const FILES = {
  v2019: 'sample-emergency-reg-2019.md',
  v2023: 'sample-emergency-reg-2023.md',
  v2099: 'sample-emergency-reg-2099.md',
} as const;

/** Writes the versions asked for into `dir`; returns their paths. */
export async function writeVersions(dir: string, which: (keyof typeof FILES)[] = ['v2019', 'v2023', 'v2099']): Promise<string[]> {
  const bodies: Record<keyof typeof FILES, string> = {
    v2019: text([ADOPTED], V2019),
    v2023: text([ADOPTED, '2023年3月20日某市第十六届人民代表大会常务委员会第三次会议修订'], V2023),
    v2099: text([ADOPTED, '2023年3月20日某市第十六届人民代表大会常务委员会第三次会议修订', '2098年11月2日某市第二十届人民代表大会常务委员会第一次会议修订'], V2099),
  };
  const out: string[] = [];
  for (const k of which) {
    const file = path.join(dir, FILES[k]);
    await writeFile(file, bodies[k]);
    out.push(file);
  }
  return out;
}
