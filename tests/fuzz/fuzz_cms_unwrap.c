/* fuzz_cms_unwrap.c - libFuzzer driver for the CMS unwrap path (what a protected tenant's
 * clients send) and certificate parsing. Fixed test identities, so that the seeds (made with
 * `openssl cms` from these keys) reach decryption and signature checks, not only the DER parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"
#include "pf/protect/cms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* test keys only: made with `openssl req -x509 -newkey rsa:2048 -nodes` for this target */
static const char PF_CRT[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIDNDCCAhygAwIBAgIULSqqnH+IFnZ0SkkbZm+sw/aZ1MAwDQYJKoZIhvcNAQEL\n"
                             "BQAwIjETMBEGA1UECgwKc3VpZG8gZnV6ejELMAkGA1UEAwwCUEYwIBcNMjYxMTI0\n"
                             "MTQxMDE4WhgPMjEyNjEwMzExNDEwMThaMCIxEzARBgNVBAoMCnN1aWRvIGZ1enox\n"
                             "CzAJBgNVBAMMAlBGMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArPdP\n"
                             "4Eq2hJhhUypsQWybGt2jzA75iKZMYHadzg4j+LI228NBpHABzfoUZrUXpOsVUuet\n"
                             "V96GDnwfSerNUjMZpN9ZjjPFJXdvN6AB2Q1WRGne/SaTB6mw9U03vLLtZRgAAMc6\n"
                             "49OEffnDStpF+YSr/4Nu9j1KhwPqU2QJlB5Cc5gybk4KWh2bcgYgtTVo0fDnmFVk\n"
                             "xNQQt43sZ2KXAD0rE5rAn8Yi+F6/Filk1kQq4tHCusjzZDSBjsnVwmKQfKeB2imG\n"
                             "XVznyaLtkWwCn54x84c5UHVjEffzspidWxVhgFZ8Wdspy4IjVgDqrFXl61d1/iXL\n"
                             "m00wJLhI4XgQXtpBzwIDAQABo2AwXjAdBgNVHQ4EFgQUH5GpBj8ecInbsr6RHPJw\n"
                             "7H/ZkUMwHwYDVR0jBBgwFoAUH5GpBj8ecInbsr6RHPJw7H/ZkUMwDwYDVR0TAQH/\n"
                             "BAUwAwEB/zALBgNVHQ8EBAMCBaAwDQYJKoZIhvcNAQELBQADggEBAAxfOq/dTKB5\n"
                             "3Ltst/Iyh40FFM9wH9L6ZB40C5TwuSAOHAT7yW7JLfTnZR2/a7BLDnyPZ+Vtunhv\n"
                             "2bYxwfK3/OKglCXsFFVuWxOLcPqu62q4fSI9xLgMfuxetuvZILk8Lig/YbwO5s28\n"
                             "POjqM/4nXiQcvzcHS0ndcUsPgFMW6Fo9RUUvNjgRpAPNEKCVoVn6m4etQ2EVyk5e\n"
                             "r7atxbwiwWdFE9vMgwqKqU288eyHDDhN5AeXzKqc4NakUV7p7snjZb933TqwR6CM\n"
                             "vTAKvSG+gCGuk7m8YvqM/ccjbFcVtPB3Fieb6B9wUFlZmXjFwjpuploWyDmgfD9U\n"
                             "TQYcmf/c0dU=\n"
                             "-----END CERTIFICATE-----\n";
static const char PF_KEY[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCs90/gSraEmGFT\n"
                             "KmxBbJsa3aPMDvmIpkxgdp3ODiP4sjbbw0GkcAHN+hRmtRek6xVS561X3oYOfB9J\n"
                             "6s1SMxmk31mOM8Uld283oAHZDVZEad79JpMHqbD1TTe8su1lGAAAxzrj04R9+cNK\n"
                             "2kX5hKv/g272PUqHA+pTZAmUHkJzmDJuTgpaHZtyBiC1NWjR8OeYVWTE1BC3jexn\n"
                             "YpcAPSsTmsCfxiL4Xr8WKWTWRCri0cK6yPNkNIGOydXCYpB8p4HaKYZdXOfJou2R\n"
                             "bAKfnjHzhzlQdWMR9/OymJ1bFWGAVnxZ2ynLgiNWAOqsVeXrV3X+JcubTTAkuEjh\n"
                             "eBBe2kHPAgMBAAECggEAG0QFIGtGqFJJDU4jsJCJRsvnlTRLG8JzScWJDMFn5D1b\n"
                             "rnryLxTFBA5HBwXHC2VPgDkrNy3J3iCs4f8UjL+nbDkVKfh5PHW+X3tmryuODMzP\n"
                             "rQJWrR+P2KtqfOGL0KLe5UCCxQVD3oPvyC3uV+4VGvtCE6kHxY7Vcn3TkLjQat4x\n"
                             "kPVcJ2mB4kztkEb/kC+hNLw1zqlhdhd9t05HqlrG6dueAfOp/KsIFvE5KEZ9zxJh\n"
                             "PmC8jjLLVHDMPw7xgipP2sh/bXdJ80w2EyroPg+BLfqKP23pxmbeT1Skq30/hNak\n"
                             "UqfGp2bFsKlTbAJmXT2TveQTixeCTulFVmtX9SA80QKBgQDjmW2MNXFZSVAmRMlN\n"
                             "iPxFjc9gpDo95Htnd5MrATmOcFEAUZQoz9xEy0bUoUL2GUw0EJoUlBBdpE2a8rzg\n"
                             "rw/KDmjXjsbkqdtXzTm4iDcr/rHUDfxvrxpmYZtXSp1brabxgm8Lv3DZ4CJO1feQ\n"
                             "HBrFle0JvdXSlbCsvznayb5JtwKBgQDCjKVKggCAm94AQd82cGZ2K/2dXmWiXklP\n"
                             "6b1CTQKKKUJewhLa88cfrGkXHuKTh/l4JV0pIRaMQgEbUc+M72voI5BCBkxIMhZ/\n"
                             "2gcjPM0o2+/UeNwwT9fozGTUEvLn0AFpKIyFjESBJ5b+OsfWmVesumVf+xOqnQpt\n"
                             "upjYLQEoqQKBgQCyEBJFtHYWnaXoGr7HO1nq7LSG7lVmoL/vRfzMk2u9RaAJuMlK\n"
                             "WL0C0Wp75iJmOYqF3Us+uExJhsb0Z95fhna65SUfJ+Pxd/ZULgpvlZpcgCoONlb9\n"
                             "5aeo28pVs9mCpUxL/Hj2XvNicdlFhl7lzyce2FoX2f5Uf6o2rHEN+/I05wKBgEMs\n"
                             "1yH783p011nVZOJiOy7Qj7iX0JYY4k2CksPi3V6hUnZvop0RkY7hNEQ0eN2iFMSk\n"
                             "eh9qemOhosoxHG44eVTlerkhfZNsIBKzUMWdB+X000HVHYpc91s9wA7uIAtk6ifK\n"
                             "RYMTZNAHwH42A6yYtApDLh/PDQJbSS+MP5xdJcpJAoGAZZD1Y0OT4+mEaCuymJCc\n"
                             "YBobdRGfsIpGEffb1zSwfxNP3VqpZo3I+p/3BwV1/eDlFs/eE4n/+83p0jgkFBmb\n"
                             "eNmH8Hl0Tr0jIZYA3feppUNyYGPHuLjGoLvX8Q7XsZ5S0xHLB3LpFVyGIFovdYs4\n"
                             "L68EGo2b9WnBQxkwf6Tq2xs=\n"
                             "-----END PRIVATE KEY-----\n";
static const char CLI_CRT[] = "-----BEGIN CERTIFICATE-----\n"
                              "MIIDLzCCAhegAwIBAgIUelJPc3Sd64PNsFqHZ8nOmSgAQSAwDQYJKoZIhvcNAQEL\n"
                              "BQAwJjETMBEGA1UECgwKc3VpZG8gZnV6ejEPMA0GA1UEAwwGY2xpZW50MCAXDTI2\n"
                              "MTEyNDE0MTAxOVoYDzIxMjYxMDMxMTQxMDE5WjAmMRMwEQYDVQQKDApzdWlkbyBm\n"
                              "dXp6MQ8wDQYDVQQDDAZjbGllbnQwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n"
                              "AoIBAQCulJbRdBafB7teIsJd1qfZqXIpbzr709PADY80TUh/x522gOouExFWjmVE\n"
                              "1MzcU7IP3onzUgTv/jNhshkiKD0bjfgY2nT8Qt5+ACxhHSfxZ6SNV2lnEC5xxphR\n"
                              "LVw35ptGeSAv8LooJk4ZLRAWbnRKzuH9dmGdHWvUTe59vFgtWuEQz8LNyIMckaYY\n"
                              "7a4RRrIL0DJNlf8emRw+5z+WebT23l9tuR7d0q8kQu9aheCyoqA6sRbyDYxfp6ln\n"
                              "gqfgfvcaRvGb94UhnoN8PggEXkjCcC1+HKk3vsiD0GeOMmeqZbgRjV4ryrMgFGgB\n"
                              "A3tmVMJT/uW8OCB2z9SqPt7SCbLTAgMBAAGjUzBRMB0GA1UdDgQWBBRyQ0sRQkKG\n"
                              "jzbx4AgiHnq0r4ERIjAfBgNVHSMEGDAWgBRyQ0sRQkKGjzbx4AgiHnq0r4ERIjAP\n"
                              "BgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQADyVTCG7/AeLoctPXx\n"
                              "asGsufCCzN7aKHu5RW62Eq/SAwjj1j4iRKUQvqKMd2cIeNFMBcZ2nnL3ZvkunXdQ\n"
                              "N2pYpUIUmM3ZMIWXAMhefefSUV+uqqQIMqE5pHJ8cb7CSwbrrdmLZtfwamTEEfPP\n"
                              "RmaI7y5RGR37kD05FGrMHODhC3D7hVRRuPXWfz6lboyIkhdq/ALVUT6BOZw+kez0\n"
                              "FD6zdBXI6/KXSpJSZIydRr1RZO5T6akrQGBX7y72KmYCJpEQq30MVKiyyGXcK0+X\n"
                              "6B1MQGn6vMb/0v8Q+1ZefF/eom25gHxWJ+JddqSQfIH2XXdMV4a8B2MpLjY95r57\n"
                              "COHp\n"
                              "-----END CERTIFICATE-----\n";

static sd_cms_id_t *pf;
static sd_cms_cert_t *cli;

static void init(void)
{
    if (pf)
        return;
    if (sd_cms_id_load(PF_CRT, sizeof PF_CRT - 1, PF_KEY, sizeof PF_KEY - 1, &pf) ||
        sd_cms_cert_parse(CLI_CRT, sizeof CLI_CRT - 1, &cli, NULL, 0))
        abort();
}

static void check_unwrap(const uint8_t *data, size_t size, unsigned need)
{
    sd_buf_t out = {0};
    unsigned got = 0;
    char why[200];
    int rc = sd_cms_unwrap(pf, cli, data, size, need, &out, &got, why, sizeof why);
    if (rc) {
        /* refusals are one of the documented classes, hand back nothing, and say why */
        if (rc != SD_ESYNTAX && rc != SD_EDECRYPT && rc != SD_ESIGNER && rc != SD_EBADSIG &&
            rc != SD_EPROTECTION && rc != SD_ETOOBIG && rc != SD_ENOMEM && rc != SD_ENOCERT)
            abort();
        if (out.len || got || (rc != SD_ENOMEM && !why[0]) || strlen(why) >= sizeof why)
            abort();
    } else if ((got & need) != need || !got || (got & ~(SD_CMS_SIGNED | SD_CMS_ENCRYPTED))) {
        abort();
    }
    sd_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    check_unwrap(data, size, 0);
    check_unwrap(data, size, SD_CMS_SIGNED | SD_CMS_ENCRYPTED);
    sd_cms_cert_t *c = NULL;
    char why[200];
    int rc = sd_cms_cert_parse(data, size, &c, why, sizeof why);
    if (rc == 0) {
        sd_cms_cert_info_t in;
        char fp[65];
        sd_buf_t pem = {0};
        sd_cms_cert_info(c, &in);
        /* names go into JSON and the store: always UTF-8 */
        if (sd_utf8_check(in.subject, strlen(in.subject)) != strlen(in.subject) ||
            sd_utf8_check(in.issuer, strlen(in.issuer)) != strlen(in.issuer))
            abort();
        sd_cms_cert_fingerprint(c, fp);
        sd_cms_cert_check(c, 0, why, sizeof why);
        /* what was accepted writes back as PEM that parses to the same certificate */
        sd_cms_cert_t *again = NULL;
        char fp2[65];
        if (sd_cms_cert_pem(c, &pem) == 0) {
            if (sd_cms_cert_parse(pem.data, pem.len, &again, NULL, 0) != 0)
                abort();
            sd_cms_cert_fingerprint(again, fp2);
            if (strcmp(fp, fp2) != 0)
                abort();
        }
        sd_cms_cert_free(again);
        sd_buf_free(&pem);
        sd_cms_cert_free(c);
    } else if (c || (rc != SD_ESYNTAX && rc != SD_ETOOBIG && rc != SD_ENOMEM)) {
        abort();
    }
    return 0;
}
