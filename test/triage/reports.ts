/**
 * Spoken first reports with what the sample plans and the 条例 decide for them (read from the documents by hand):
 * used by triage.full.test.ts and bench/triage-latency.ts. No vitest import, so the bench can load it.
 */

export interface Case {
  text: string;
  grade: string | null;
  accident?: string | null;
  flood?: string | null;
  decidedBy?: string;
  /** Minutes of the earliest deadline. */
  first?: number;
}

const A4 = '区应急管理局局长';
const A3 = '区指挥部总指挥';
const A1 = '区长';

export const CASES: Case[] = [
  { text: '桃浦一家物流仓库货架倒塌，砸中一名搬运工，已经没有生命体征，另有两人受伤', grade: '一般事故', accident: 'Ⅳ级', decidedBy: A4, first: 30 },
  { text: '工地脚手架坍塌，当场死亡两人', grade: '一般事故', accident: 'Ⅲ级', decidedBy: A3, first: 30 },
  { text: '某厂房坍塌，3人遇难', grade: '较大事故', accident: 'Ⅱ级', decidedBy: A3, first: 15 },
  { text: '车间爆炸，造成10人重伤', grade: '较大事故', accident: 'Ⅱ级', decidedBy: A3, first: 30 },
  { text: '车间爆炸，9人重伤', grade: '一般事故', accident: 'Ⅲ级', decidedBy: A3, first: 30 },
  { text: '搅拌机卷入一名工人，重伤', grade: '一般事故', accident: 'Ⅳ级', decidedBy: A4 },
  { text: '吊装作业时钢梁坠落，两名工人重伤', grade: '一般事故', accident: 'Ⅳ级', decidedBy: A4 },
  { text: '电梯井坠落事故，3名工人重伤', grade: '一般事故', accident: 'Ⅲ级', decidedBy: A3, first: 30 },
  { text: '危化品仓库液氨泄漏，已疏散周边居民200人，暂无人员伤亡', grade: null, accident: 'Ⅲ级', decidedBy: A3, first: 30 },
  { text: '槽罐车在厂区内发生泄漏，两人中毒送医，周边群众正在疏散', grade: '一般事故', accident: 'Ⅲ级', decidedBy: A3 },
  { text: '有限空间作业，3名工人被困污水池', grade: null, accident: 'Ⅳ级', decidedBy: A4, first: 30 },
  { text: '仓库起火，直接经济损失约1200万元，无人员伤亡', grade: '较大事故', accident: 'Ⅱ级', decidedBy: A3 },
  { text: '工厂火灾，烧毁设备，直接经济损失约600万元', grade: '一般事故', accident: null },
  { text: '化工厂爆炸，已确认12人死亡', grade: '重大事故', accident: 'Ⅰ级', decidedBy: A1, first: 15 },
  { text: '爆炸事故，5人死亡，另有8人失踪', grade: '较大事故', accident: 'Ⅰ级', decidedBy: A1, first: 15 },
  { text: '厂房坍塌，1人死亡，2人失踪', grade: '一般事故', accident: 'Ⅱ级', decidedBy: A3, first: 15 },
  { text: '仓库起火，火势有扩大趋势，一名工人受伤', grade: '一般事故', accident: 'Ⅲ级', decidedBy: A3 },
  { text: '爆炸事故影响超出本区处置能力', grade: null, accident: 'Ⅰ级', decidedBy: A1 },
  { text: '坍塌事故造成50人重伤', grade: '重大事故', accident: 'Ⅰ级', decidedBy: A1 },
  { text: '车间机械伤人，一名工人被卷入设备，已经没了', grade: '一般事故', accident: 'Ⅳ级', decidedBy: A4 },
  { text: '仓库货架倒了砸死一个人，区里要启动几级响应？', grade: '一般事故', accident: 'Ⅳ级', decidedBy: A4 },
  { text: '两人死亡，三人重伤', grade: '一般事故', accident: 'Ⅲ级', decidedBy: A3 },
  { text: '台风蓝色预警', grade: null, flood: 'Ⅳ级', decidedBy: '区防汛办主任', first: 30 },
  { text: '台风黄色预警信号', grade: null, flood: 'Ⅲ级', decidedBy: '区防指副总指挥（区建设管理委员会主任）' },
  { text: '台风橙色预警', grade: null, flood: 'Ⅱ级', decidedBy: '区防指常务副总指挥' },
  { text: '台风红色预警', grade: null, flood: 'Ⅰ级', decidedBy: '区防指总指挥' },
  { text: '暴雨，真如路下立交因积水封闭', grade: null, flood: 'Ⅲ级' },
  { text: '1小时降雨量达到35毫米', grade: null, flood: 'Ⅳ级' },
  { text: '暴雨3小时降雨量120毫米，多处道路积水', grade: null, flood: 'Ⅱ级' },
  { text: '暴雨导致下立交积水，一辆轿车被困，司机溺水身亡', grade: null, flood: 'Ⅱ级', accident: null, first: 15 },
  { text: '台风过境，苏州河防汛墙发生决口', grade: null, flood: 'Ⅰ级' },
  { text: '暴雨造成3人死亡', grade: null, flood: 'Ⅰ级', accident: null, first: 15 },
  { text: '暴雨造成60户居民住宅进水', grade: null, flood: 'Ⅱ级' },
  { text: '全区6处道路积水', grade: null, flood: 'Ⅳ级' },
  { text: '台风中广告牌坠落砸死一名行人', grade: '一般事故', flood: 'Ⅱ级', first: 15 },
  { text: '工厂发生爆炸', grade: null, accident: null, flood: null },
  { text: '请问下周的值班表什么时候发', grade: null, accident: null, flood: null },
  { text: '较大事故应当上报到哪一级？', grade: null, accident: null, flood: null },
];
