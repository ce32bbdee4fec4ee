/**
 * Small 示例 regulations written for these tests (not real laws): every kind of fact appears, in several
 * articles, so distractors exist. `writeFixtures` puts them in a temp folder as Markdown.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SAFETY_TITLE = '示例市安全生产条例';
export const FLOOD_TITLE = '示例市防汛条例';

export const SAFETY_V1 = `# ${SAFETY_TITLE}

## 第一章 总则

第一条 为了示例安全生产管理，制定本条例。

第二条 生产经营单位的主要负责人应当组织制定本单位安全生产规章制度。

第三条 县级以上人民政府应急管理部门负责本行政区域内安全生产的综合监督管理。

## 第二章 事故报告

第四条 事故发生后，事故现场有关人员应当立即报告本单位负责人。

第五条 单位负责人接到事故报告后，应当于1小时内报告事故发生地县级以上人民政府应急管理部门。

第六条 事故造成3人以上10人以下死亡的，为较大事故。

第七条 事故调查组应当自事故发生之日起60日内提交事故调查报告。

第八条 任何单位和个人不得阻挠和干涉对事故的报告和依法调查处理。

## 第三章 法律责任

第九条 生产经营单位未按照规定报告事故的，处五十万元以上一百万元以下的罚款。

第十条 生产经营单位的主要负责人在事故调查处理期间擅离职守的，处上一年年收入百分之六十至百分之一百的罚款。

第十一条 未按照规定进行安全培训的，责令限期改正，处五万元以下的罚款。
`;

/** The same law, amended: 第五条 now gives two hours. */
export const SAFETY_V2 = SAFETY_V1.replace('应当于1小时内报告', '应当于2小时内报告');

export const FLOOD = `# ${FLOOD_TITLE}

## 第一章 总则

第一条 为了示例防汛工作，制定本条例。

第二条 市防汛指挥机构应当组织编制防汛应急预案。

第三条 水库管理单位应当在汛期前完成大坝安全检查。

## 第二章 应急处置

第四条 发生险情后，乡镇人民政府应当在2小时内组织群众转移。

第五条 转移人数在50人以上100人以下的，区防汛指挥机构应当派员现场指挥。

第六条 防汛物资储备单位应当自接到调用通知之日起24小时内完成调运。

第七条 在河道管理范围内不得堆放阻碍行洪的物体。

第八条 违反本条例规定，在河道管理范围内堆放阻碍行洪物体的，处一万元以上五万元以下的罚款。

第九条 受灾群众安置点应当于30日内完成卫生防疫评估。

第十条 区人民政府应当自灾害结束之日起15日内公布灾情统计。

第十一条 水文机构应当在7日内向市防汛指挥机构报送汛情分析。
`;

export async function writeFixtures(dir: string, files: Record<string, string> = { 'safety.md': SAFETY_V1, 'flood.md': FLOOD }): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    paths.push(file);
  }
  return paths;
}
