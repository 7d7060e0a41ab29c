import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, services } from '@adonisjs/drive'

/*
| Files the app makes (exports of the 下载中心). On one machine they sit on
| the local disk under tmp/exports; past one machine, DRIVE_DISK=s3 puts them
| in an S3-compatible bucket (AWS S3, MinIO, Aliyun OSS in S3 mode) named by
| DRIVE_S3_BUCKET, DRIVE_S3_REGION, DRIVE_S3_ENDPOINT, DRIVE_S3_ACCESS_KEY_ID
| and DRIVE_S3_SECRET_ACCESS_KEY. Files are private: downloads go through an
| authorised route, never a public URL.
*/
const driveConfig = defineConfig({
  default: env.get('DRIVE_DISK', 'fs'),

  services: {
    fs: services.fs({
      location: app.tmpPath('exports'),
      serveFiles: false,
      visibility: 'private',
    }),
    s3: services.s3({
      credentials: {
        accessKeyId: env.get('DRIVE_S3_ACCESS_KEY_ID', ''),
        secretAccessKey: env.get('DRIVE_S3_SECRET_ACCESS_KEY', ''),
      },
      region: env.get('DRIVE_S3_REGION', 'us-east-1'),
      bucket: env.get('DRIVE_S3_BUCKET', ''),
      endpoint: env.get('DRIVE_S3_ENDPOINT'),
      // MinIO and most S3-compatible stores address buckets by path.
      forcePathStyle: true,
      visibility: 'private',
    }),
  },
})

export default driveConfig

declare module '@adonisjs/drive/types' {
  export interface DriveDisks extends InferDriveDisks<typeof driveConfig> {}
}
