/**
 * Builds seeds/duty-handbook-sample.docx, the one seed in Word format, so DOCX ingestion (Word heading
 * styles, a real table, core-properties title) is exercised on first run. Run: npx tsx scripts/build-seed-docx.ts
 * The generated file is committed; re-run only after editing the text below.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, WidthType } from 'docx';

const TITLE = '值班值守工作手册（示例）';
const NOTICE =
  '【示例】本文件为示例文档，不是正式文件，仅用于演示应急知识助手的检索和问答功能。文中的岗位、时限和流程均为编写示例时设定，不得作为实际工作依据。';

type Item = { h: 1 | 2 | 3; text: string } | { p: string } | { table: string[][] };

const CONTENT: Item[] = [
  { h: 1, text: TITLE },
  { p: '某区应急管理局办公室（示例）' },
  { h: 2, text: '一、总则' },
  { h: 3, text: '（一）目的' },
  { p: '为保证突发事件信息接报及时、准确，规范值班人员的岗位职责、交接班和信息报告，编写本手册（示例）。' },
  { h: 3, text: '（二）基本要求' },
  { p: '值班室实行24小时值守，做到电话畅通、人员在岗、记录完整。值班人员不得擅自离岗，确需离开的，应当经值班长同意并由其他人员顶岗。' },
  { h: 2, text: '二、岗位职责' },
  { h: 3, text: '（一）带班领导' },
  { p: '1.审定重要信息的报送，对需要领导处置的事项作出指示。' },
  { p: '2.接到较大以上突发事件报告后，在1小时内到达指挥中心或者事发现场。' },
  { h: 3, text: '（二）值班长' },
  { p: '1.组织本班值班工作，审核值班记录和书面报告。' },
  { p: '2.发现信息报告超过时限的，立即督促有关单位补报。' },
  { h: 3, text: '（三）值班员' },
  { p: '1.接听值班电话，按照“时间、地点、事件、伤亡、措施”五要素做好记录。' },
  { p: '2.对接报信息进行核实，按照报告时限要求起草首报、续报和终报。' },
  { h: 2, text: '三、信息报告时限' },
  { p: '（一）首报：接到死亡1人以上或者被困3人以上事件报告的，值班员应当在15分钟内电话报告值班长和带班领导，30分钟内报送书面首报。' },
  { p: '（二）续报：事件处置期间每2小时续报一次进展；出现人员伤亡增加等重大变化的，应当立即续报。' },
  { p: '（三）终报：事件处置结束后24小时内报送终报，说明处置经过和善后情况。' },
  { h: 2, text: '四、交接班' },
  { p: '交接班时间为每日8时30分，接班人员应当提前10分钟到岗。交接双方当面交接未办结事项、领导批示和设备状况，并在值班日志上签字。交接过程中接到报告的，由交班人员负责处置。' },
  { h: 2, text: '五、值班联络表（示例）' },
  {
    table: [
      ['岗位', '职责要点', '联络方式（示例）'],
      ['带班领导', '审定重要信息，指挥较大以上事件处置', '内线 8001（示例）'],
      ['值班长', '组织本班工作，审核报告', '内线 8002（示例）'],
      ['值班员', '接报、记录、起草报告', '内线 8003（示例）'],
    ],
  },
  { h: 2, text: '六、附则' },
  { p: '本手册为示例文本，由某区应急管理局办公室编写示例时设定，自印发之日起施行（示例）。' },
];

const HEADINGS = { 1: HeadingLevel.HEADING_1, 2: HeadingLevel.HEADING_2, 3: HeadingLevel.HEADING_3 } as const;

function toDocx(item: Item): Paragraph | Table {
  if ('h' in item) return new Paragraph({ text: item.text, heading: HEADINGS[item.h] });
  if ('p' in item) return new Paragraph({ text: item.p });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: item.table.map(
      (cells) => new TableRow({ children: cells.map((c) => new TableCell({ children: [new Paragraph({ text: c })] })) }),
    ),
  });
}

const doc = new Document({
  title: TITLE,
  creator: '应急知识助手示例',
  description: '示例文档，不是正式文件',
  sections: [{ children: [new Paragraph({ text: NOTICE }), ...CONTENT.map(toDocx)] }],
});

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '../seeds/duty-handbook-sample.docx');
await writeFile(out, await Packer.toBuffer(doc));
console.log(`wrote ${out}`);
