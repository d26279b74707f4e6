/** The simulated hospital's seed (./simulator.ts): departments with their locations, doctors, fees, the day's slot times. */
import type { Department, Doctor } from './types.ts';

export const SIM_DEPARTMENTS: readonly Department[] = [
  { id: 'NK', name: '内科', location: '门诊楼二层A区' },
  { id: 'WK', name: '外科', location: '门诊楼二层B区' },
  { id: 'EK', name: '儿科', location: '门诊楼一层东侧' },
  { id: 'YK', name: '眼科', location: '门诊楼三层A区' },
  { id: 'KQ', name: '口腔科', location: '门诊楼三层B区' },
  { id: 'PF', name: '皮肤科', location: '门诊楼四层' },
];

export const SIM_DOCTORS: readonly Doctor[] = [
  { id: 'NK01', departmentId: 'NK', name: '王测试', title: '主任医师' },
  { id: 'NK02', departmentId: 'NK', name: '刘样例', title: '主治医师' },
  { id: 'WK01', departmentId: 'WK', name: '赵测试', title: '副主任医师' },
  { id: 'WK02', departmentId: 'WK', name: '外科普通门诊', title: '普通门诊' },
  { id: 'EK01', departmentId: 'EK', name: '孙测试', title: '主任医师' },
  { id: 'EK02', departmentId: 'EK', name: '周样例', title: '主治医师' },
  { id: 'YK01', departmentId: 'YK', name: '吴测试', title: '主任医师' },
  { id: 'YK02', departmentId: 'YK', name: '眼科普通门诊', title: '普通门诊' },
  { id: 'KQ01', departmentId: 'KQ', name: '郑测试', title: '副主任医师' },
  { id: 'KQ02', departmentId: 'KQ', name: '冯样例', title: '主治医师' },
  { id: 'PF01', departmentId: 'PF', name: '陈测试医生', title: '主任医师' },
  { id: 'PF02', departmentId: 'PF', name: '皮肤科普通门诊', title: '普通门诊' },
];

/** 医事服务费 by title, in fen */
export const SIM_FEES_FEN: Readonly<Record<string, number>> = { 主任医师: 8000, 副主任医师: 6000, 主治医师: 5000, 普通门诊: 5000 };

/** how many days ahead, today included, slots can be listed and booked */
export const BOOKING_DAYS = 7;

export const SLOT_TIMES = ['08:00-09:00', '09:00-10:00', '10:00-11:00', '13:30-14:30', '14:30-15:30', '15:30-16:30'] as const;
/** seeded as fully booked (约满): doctor id → slot times */
export const FULL_SLOTS: Readonly<Record<string, readonly string[]>> = { YK01: ['08:00-09:00', '09:00-10:00', '10:00-11:00'] };
