# The CUP ECB MAC computed with the openssl command line, for the hand-written
# fixtures of cup_test.go: python3 cupmac.py MAK-HEX MAB-HEX (MTI to end of field 63).
import subprocess,sys,binascii
def des(key, block):
    r=subprocess.run(["openssl","enc","-des-ecb","-provider","legacy","-provider","default","-K",key,"-nopad"],input=block,capture_output=True,check=True)
    return r.stdout
def mac(key, mab):
    r=bytearray(8)
    for i,b in enumerate(mab): r[i%8]^=b
    h=binascii.hexlify(bytes(r)).upper()
    e=des(key,h[:8])
    x=bytes(a^b for a,b in zip(e,h[8:]))
    e2=des(key,x)
    return binascii.hexlify(e2).upper()[:8]
if __name__=="__main__":
    print(mac(sys.argv[1], binascii.unhexlify(sys.argv[2])).decode())
